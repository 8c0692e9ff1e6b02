// Kept so that `node --import tsx --import ./grader/register.ts` keeps working; prefer register.mjs.
import './register.mjs';
