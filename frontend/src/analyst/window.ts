// Which rows of a long list are drawn: only those in view plus a few either side, so a list of
// 100,000 sites costs a few dozen DOM nodes.

export interface RowWindow {
  /** First row drawn. */
  start: number;
  /** One past the last row drawn. */
  end: number;
  /** Offset of the first drawn row from the top of the list, in pixels. */
  offset: number;
  /** Height of the whole list, in pixels. */
  height: number;
}

/** The rows to draw for a viewport `viewport` pixels high scrolled `scrollTop` pixels down. */
export function rowWindow(count: number, rowHeight: number, scrollTop: number, viewport: number, overscan = 6): RowWindow {
  const height = count * rowHeight;
  if (count === 0 || rowHeight <= 0) return { start: 0, end: 0, offset: 0, height: 0 };
  const top = Math.max(0, Math.min(scrollTop, Math.max(0, height - viewport)));
  const first = Math.floor(top / rowHeight);
  const visible = Math.ceil(Math.max(viewport, rowHeight) / rowHeight) + 1;
  const start = Math.max(0, first - overscan);
  const end = Math.min(count, first + visible + overscan);
  return { start, end, offset: start * rowHeight, height };
}

/** The scroll position that brings row `index` into view, or null when it is in view. */
export function scrollToRow(index: number, rowHeight: number, scrollTop: number, viewport: number): number | null {
  const top = index * rowHeight;
  if (top < scrollTop) return top;
  if (top + rowHeight > scrollTop + viewport) return top + rowHeight - viewport;
  return null;
}
