import dayjs, { Dayjs } from 'dayjs';

const ISO_DATE = 'YYYY-MM-DD';

export function toIsoDate(d: Dayjs | Date | string): string {
  return dayjs(d).format(ISO_DATE);
}

export function addDays(isoDate: string, days: number): string {
  return dayjs(isoDate).add(days, 'day').format(ISO_DATE);
}

export function isOverdue(dueDate: string, today: Dayjs = dayjs()): boolean {
  return dayjs(dueDate).isBefore(today, 'day');
}

// TODO: business-day calendars per country (weekends/holidays)
export function daysOverdue(dueDate: string, today: Dayjs = dayjs()): number {
  const diff = today.startOf('day').diff(dayjs(dueDate), 'day');
  return diff > 0 ? diff : 0;
}
