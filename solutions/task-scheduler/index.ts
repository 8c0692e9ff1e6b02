/**
 * A task scheduler: cron expressions, one-off and recurring jobs, retries with capped exponential
 * backoff and full jitter, a concurrency limit, a crash-safe journal of the schedule, and a
 * terminal dashboard. See katas/task-scheduler/README.md.
 */
export { CronSyntaxError, parseCron, type CronSchedule } from './cron.ts';
export { renderDashboard, type DashboardOptions } from './dashboard.ts';
export { backoffDelay, createScheduler, systemClock } from './scheduler.ts';
export {
  DuplicateJobError,
  InvalidJobError,
  JournalCorruptError,
  SchedulerStoppedError,
  UnknownHandlerError,
  type Clock,
  type Handler,
  type JobSpec,
  type JobState,
  type JobStatus,
  type Json,
  type RetryPolicy,
  type RunContext,
  type Scheduler,
  type SchedulerEvent,
  type SchedulerOptions,
  type SchedulerSnapshot,
  type TimerHandle,
} from './types.ts';
