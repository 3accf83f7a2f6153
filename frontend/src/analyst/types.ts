// The bodies of the sites, reviews and imagery calls, as the API contract names their fields.

export type SiteStatus = 'candidate' | 'confirmed' | 'rejected' | 'merged' | 'consensus_lost';
export const STATUSES: SiteStatus[] = ['candidate', 'confirmed', 'rejected', 'merged', 'consensus_lost'];

export type ReviewAction = 'confirm' | 'reject' | 'reclassify' | 'merge' | 'comment';

/** A site as the map and the list hold it: one feature of the GeoJSON export. */
export interface SiteRow {
  id: string;
  lon: number;
  lat: number;
  class: string;
  confidence: number;
  support: number;
  status: SiteStatus;
  damaged_after: string | null;
  damaged_before: string | null;
}

export interface Reliability {
  sensitivity: number;
  false_rate: number;
  weight: number;
}

export interface Vote {
  voter: number;
  class: string;
  reliability: Reliability | null;
}

export interface HistoryEntry {
  id: string | number;
  action: string;
  reviewer: string | null;
  comment: string;
  created_at: string;
  from: { status: SiteStatus; class: string };
  to: { status: SiteStatus; class: string };
  merged_into: string | null;
}

export interface SiteDetail extends SiteRow {
  campaign_id: string;
  seen_by: number;
  uncertainty_m: number;
  date_confidence: number | null;
  merged_into: string | null;
  reviewed_at: string | null;
  updated_at: string;
  consensus_run: { id: string | number; parameters: Record<string, unknown>; code_version: string; finished_at: string | null } | null;
  frames: { id: string; captured_at: string | null; sensor: string | null; sha256: string }[];
  tasks: number[];
  votes_by_class: Record<string, number>;
  votes: Vote[];
  history: HistoryEntry[];
  /** Sites merged into this one. */
  merged_from?: string[];
}

export interface FrameView {
  id: string;
  captured_at: string | null;
  sensor: string | null;
  bbox: [number, number, number, number] | null;
  overview: { min_zoom: number; max_zoom: number } | null;
}

/** One feature of GET /campaigns/{id}/export.geojson. */
export interface SiteFeature {
  type: 'Feature';
  geometry: { type: 'Point'; coordinates: [number, number] };
  properties: {
    id: string;
    class: string;
    confidence: number;
    support: number;
    status: SiteStatus;
    damaged_after: string | null;
    damaged_before: string | null;
  };
}

export interface SiteCollection {
  type: 'FeatureCollection';
  features: SiteFeature[];
}
