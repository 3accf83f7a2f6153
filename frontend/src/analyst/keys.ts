// The keyboard of the map screen: which key does what, and the cursor over the list of sites
// that j/k and the arrow keys move. Pure, so that it is tested without a page.

export type KeyAction = 'next' | 'prev' | 'first' | 'last' | 'confirm' | 'reject' | 'open' | 'close';

/** What a key press asks for, or null when it is not one of the screen's keys. */
export function keyAction(e: { key: string; ctrlKey?: boolean; metaKey?: boolean; altKey?: boolean }, typing: boolean): KeyAction | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  // Escape leaves a field too; every other key belongs to the field being typed in.
  if (e.key === 'Escape') return 'close';
  if (typing) return null;
  switch (e.key) {
    case 'j':
    case 'ArrowDown':
      return 'next';
    case 'k':
    case 'ArrowUp':
      return 'prev';
    case 'Home':
      return 'first';
    case 'End':
      return 'last';
    case 'c':
      return 'confirm';
    case 'r':
      return 'reject';
    case 'Enter':
      return 'open';
    default:
      return null;
  }
}

/** Whether keys typed at `el` are text for it rather than commands for the screen. */
export function isTyping(el: Element | null): boolean {
  if (!el) return false;
  const tag = el.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag === 'INPUT') {
    const type = (el as HTMLInputElement).type;
    return !['checkbox', 'button', 'submit', 'reset'].includes(type);
  }
  return (el as HTMLElement).isContentEditable === true;
}

/**
 * The current site among `count` sites in the list: an index, or -1 before any is chosen. It
 * keeps its place when the list changes under it (a site reviewed away, a filter changed),
 * stepping back onto the last site when it would fall off the end.
 */
export class Cursor {
  index = -1;

  constructor(public count = 0) {}

  /** The list now has `count` sites; the cursor stays at its position if it still can. */
  resize(count: number): void {
    this.count = count;
    if (count === 0) this.index = -1;
    else if (this.index >= count) this.index = count - 1;
  }

  move(action: 'next' | 'prev' | 'first' | 'last'): number {
    if (this.count === 0) return (this.index = -1);
    switch (action) {
      case 'next':
        this.index = Math.min(this.count - 1, this.index + 1);
        break;
      case 'prev':
        this.index = this.index < 0 ? 0 : Math.max(0, this.index - 1);
        break;
      case 'first':
        this.index = 0;
        break;
      case 'last':
        this.index = this.count - 1;
        break;
    }
    return this.index;
  }

  set(index: number): number {
    this.index = this.count === 0 ? -1 : Math.max(-1, Math.min(this.count - 1, index));
    return this.index;
  }
}
