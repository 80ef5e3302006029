export { scheduleCron, validateCronSchedule, type CronScheduleOptions, type ScheduledJob } from './cron-schedule.js';
export { scheduleErrorCodes, type ScheduleErrorCode } from './schedule-errors.js';
