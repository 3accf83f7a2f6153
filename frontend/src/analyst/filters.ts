// What the analyst filters sites by, and how a filter becomes the query string of the sites,
// export and map calls. Class, status and confidence are the server's to apply; the date
// interval is applied here as well, so the map and the list agree with what an export holds.

import type { SiteRow, SiteStatus } from './types';

export interface Filter {
  /** Classes to show; empty = every class. */
  classes: string[];
  /** Lowest confidence shown, 0–1; 0 = no bound. */
  minConfidence: number;
  /** Review statuses to show; empty = every status. */
  statuses: SiteStatus[];
  /** Damage dated on or after this day (YYYY-MM-DD); '' = no bound. */
  damagedAfter: string;
  /** Damage dated on or before this day (YYYY-MM-DD); '' = no bound. */
  damagedBefore: string;
}

/** What the page starts with: sites still to review and the ones already confirmed. */
export function defaultFilter(): Filter {
  return { classes: [], minConfidence: 0, statuses: ['candidate', 'confirmed'], damagedAfter: '', damagedBefore: '' };
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The query string (without `?`) for `filter`; parameters with no bound are left out. */
export function filterQuery(filter: Filter): string {
  const q = new URLSearchParams();
  if (filter.classes.length > 0) q.set('class', [...filter.classes].sort().join(','));
  if (filter.minConfidence > 0) q.set('min_confidence', String(Math.min(1, filter.minConfidence)));
  if (filter.statuses.length > 0) q.set('status', [...filter.statuses].sort().join(','));
  if (DAY.test(filter.damagedAfter)) q.set('damaged_after', filter.damagedAfter);
  if (DAY.test(filter.damagedBefore)) q.set('damaged_before', filter.damagedBefore);
  return q.toString();
}

/** Whether the filter sets a date interval (one bound is enough). */
export function hasInterval(filter: Filter): boolean {
  return DAY.test(filter.damagedAfter) || DAY.test(filter.damagedBefore);
}

/**
 * Whether `site` passes the whole filter. A site's damage happened somewhere between its
 * `damaged_after` and `damaged_before` days; it passes a date interval when that window
 * overlaps the interval. A site with no dates passes only while no interval is set.
 */
export function passes(site: SiteRow, filter: Filter): boolean {
  if (filter.classes.length > 0 && !filter.classes.includes(site.class)) return false;
  if (site.confidence < filter.minConfidence) return false;
  if (filter.statuses.length > 0 && !filter.statuses.includes(site.status)) return false;
  if (!hasInterval(filter)) return true;
  if (site.damaged_after === null && site.damaged_before === null) return false;
  const from = DAY.test(filter.damagedAfter) ? filter.damagedAfter : null;
  const to = DAY.test(filter.damagedBefore) ? filter.damagedBefore : null;
  // ISO days compare as strings.
  if (from && site.damaged_before !== null && site.damaged_before < from) return false;
  if (to && site.damaged_after !== null && site.damaged_after > to) return false;
  return true;
}
