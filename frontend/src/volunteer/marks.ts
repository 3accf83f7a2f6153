// The answer being edited on one tile: marks, "nothing here" or "can't tell", with undo.
// Pure state, no DOM: the map and the buttons render it and call these methods.

import type { AnswerRequest } from '../lib/api';

export interface Mark {
  id: number;
  /** Tile pixels from the left edge. */
  x: number;
  /** Tile pixels from the top edge. */
  y: number;
  cls: string;
}

export type Verdict = 'marks' | 'nothing_here' | 'cant_tell' | 'undecided';

/** The body of `POST /tasks/{id}/answers`, without the idempotency key. */
export type AnswerBody = Omit<AnswerRequest, 'idempotency_key'>;

interface Snapshot {
  marks: Mark[];
  nothingHere: boolean;
  cantTell: boolean;
  reason: string;
  selected: number | null;
}

/** The server refuses more; the editor stops before. */
export const MAX_MARKS = 200;

export class MarkEditor {
  readonly width: number;
  readonly height: number;
  private marks: Mark[] = [];
  private nothingHere = false;
  private cantTell = false;
  private reason = '';
  private selectedId: number | null = null;
  private nextId = 1;
  private history: Snapshot[] = [];
  private listeners: (() => void)[] = [];

  constructor(width: number, height: number) {
    this.width = width;
    this.height = height;
  }

  /** Calls `fn` after every change. */
  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }

  get all(): readonly Mark[] {
    return this.marks;
  }

  get selected(): Mark | null {
    return this.marks.find((m) => m.id === this.selectedId) ?? null;
  }

  get verdict(): Verdict {
    if (this.cantTell) return 'cant_tell';
    if (this.nothingHere) return 'nothing_here';
    return this.marks.length > 0 ? 'marks' : 'undecided';
  }

  get cantTellReason(): string {
    return this.reason;
  }

  get canUndo(): boolean {
    return this.history.length > 0;
  }

  get canSubmit(): boolean {
    return this.verdict !== 'undecided';
  }

  /**
   * Places a mark (clamped into the tile); returns its id, or null at the cap. The new mark is
   * not selected, so choosing a class next picks the class of the next mark.
   */
  add(x: number, y: number, cls: string): number | null {
    if (this.marks.length >= MAX_MARKS) return null;
    this.remember();
    const id = this.nextId++;
    this.marks = [...this.marks, { id, ...this.clamp(x, y), cls }];
    this.nothingHere = false;
    this.cantTell = false;
    this.selectedId = null;
    this.changed();
    return id;
  }

  move(id: number, x: number, y: number): void {
    const mark = this.marks.find((m) => m.id === id);
    if (!mark) return;
    const to = this.clamp(x, y);
    if (to.x === mark.x && to.y === mark.y) return;
    this.remember();
    this.marks = this.marks.map((m) => (m.id === id ? { ...m, ...to } : m));
    this.changed();
  }

  setClass(id: number, cls: string): void {
    const mark = this.marks.find((m) => m.id === id);
    if (!mark || mark.cls === cls) return;
    this.remember();
    this.marks = this.marks.map((m) => (m.id === id ? { ...m, cls } : m));
    this.changed();
  }

  remove(id: number): void {
    if (!this.marks.some((m) => m.id === id)) return;
    this.remember();
    this.marks = this.marks.filter((m) => m.id !== id);
    if (this.selectedId === id) this.selectedId = null;
    this.changed();
  }

  /** Selection is not an edit: it is not undone. */
  select(id: number | null): void {
    const next = id !== null && this.marks.some((m) => m.id === id) ? id : null;
    if (next === this.selectedId) return;
    this.selectedId = next;
    this.changed();
  }

  /** "Nothing here" replaces any marks; pressing it again takes it back. */
  toggleNothingHere(): void {
    this.remember();
    const on = !this.nothingHere;
    this.nothingHere = on;
    this.cantTell = false;
    if (on) {
      this.marks = [];
      this.selectedId = null;
    }
    this.changed();
  }

  /** "Can't tell" with a reason (cloud, blur, …) replaces any marks; again takes it back. */
  toggleCantTell(reason = 'unclear'): void {
    this.remember();
    const on = !this.cantTell;
    this.cantTell = on;
    this.nothingHere = false;
    this.reason = on ? reason : '';
    if (on) {
      this.marks = [];
      this.selectedId = null;
    }
    this.changed();
  }

  setReason(reason: string): void {
    if (!this.cantTell || reason === this.reason) return;
    this.remember();
    this.reason = reason;
    this.changed();
  }

  /** Takes back the last edit; returns whether there was one. */
  undo(): boolean {
    const last = this.history.pop();
    if (!last) return false;
    this.marks = last.marks;
    this.nothingHere = last.nothingHere;
    this.cantTell = last.cantTell;
    this.reason = last.reason;
    this.selectedId = last.selected;
    this.changed();
    return true;
  }

  /** The answer to send, or null while nothing is decided. */
  toAnswer(durationMs: number): AnswerBody | null {
    const duration_ms = Math.max(0, Math.round(durationMs));
    switch (this.verdict) {
      case 'cant_tell':
        return { cant_tell: true, reason: this.reason || 'unclear', duration_ms };
      case 'nothing_here':
        return { nothing_here: true, duration_ms };
      case 'marks':
        return {
          marks: this.marks.map((m) => ({ x: round2(m.x), y: round2(m.y), class: m.cls })),
          duration_ms,
        };
      default:
        return null;
    }
  }

  /** The mark within `radius` pixels of (x, y), nearest first. */
  hit(x: number, y: number, radius: number): Mark | null {
    let best: Mark | null = null;
    let bestD = radius * radius;
    for (const m of this.marks) {
      const d = (m.x - x) ** 2 + (m.y - y) ** 2;
      if (d <= bestD) {
        best = m;
        bestD = d;
      }
    }
    return best;
  }

  private clamp(x: number, y: number): { x: number; y: number } {
    return {
      x: Math.min(this.width, Math.max(0, x)),
      y: Math.min(this.height, Math.max(0, y)),
    };
  }

  private remember(): void {
    this.history.push({
      marks: this.marks,
      nothingHere: this.nothingHere,
      cantTell: this.cantTell,
      reason: this.reason,
      selected: this.selectedId,
    });
    if (this.history.length > 500) this.history.shift();
  }

  private changed(): void {
    for (const fn of this.listeners) fn();
  }
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
