// What every screen of the volunteer app shares: the shell's frame, plus the outbox, the help
// dialog and the answer count.

import type { Session } from '../lib/api';
import type { Frame } from '../lib/shell';
import type { Outbox } from './outbox';

export interface App extends Frame {
  outbox: Outbox;
  help: () => void;
  answers: number;
  refreshStats: (slug: string | null) => Promise<void>;
}

export function tutorialDone(s: Session, campaignId: string): boolean {
  return localStorage.getItem(`tessera.tutorial.${s.user.id}.${campaignId}`) === 'done';
}

export function markTutorialDone(s: Session, campaignId: string): void {
  localStorage.setItem(`tessera.tutorial.${s.user.id}.${campaignId}`, 'done');
}
