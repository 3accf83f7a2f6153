// What every screen of the volunteer app shares.

import { ApiError, type Session } from '../lib/api';
import { t } from '../lib/i18n';
import type { Outbox } from './outbox';

export interface App {
  session: Session;
  outbox: Outbox;
  main: HTMLElement;
  stats: HTMLElement;
  help: () => void;
  /** Text for the status line (announced politely to screen readers). */
  announce: (text: string) => void;
  answers: number;
  refreshStats: (slug: string | null) => Promise<void>;
}

/** Words for an API error, in the volunteer's language. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === 'network') return t('error.network');
    const key = `error.${err.code}`;
    const text = t(key, { message: err.message });
    return text === key ? t('error.generic', { message: err.message }) : text;
  }
  return t('error.generic', { message: String(err) });
}

export function tutorialDone(s: Session, campaignId: string): boolean {
  return localStorage.getItem(`tessera.tutorial.${s.user.id}.${campaignId}`) === 'done';
}

export function markTutorialDone(s: Session, campaignId: string): void {
  localStorage.setItem(`tessera.tutorial.${s.user.id}.${campaignId}`, 'done');
}

