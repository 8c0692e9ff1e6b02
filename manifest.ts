/**
 * The ordered list of katas. The grader reads only this file to know which katas exist, in which
 * order a learner meets them, and which mutants each spec must kill.
 */
import { defineKatas } from './grader/define.ts';

export default defineKatas([
]);
