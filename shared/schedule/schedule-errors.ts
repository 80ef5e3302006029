/** The codes of the cron schedule's errors, written once. */
export const scheduleErrorCodes = {
  /** a cron schedule or time zone that does not parse (ValidationError) */
  badSchedule: 'BAD_SCHEDULE',
} as const;

export type ScheduleErrorCode = (typeof scheduleErrorCodes)[keyof typeof scheduleErrorCodes];
