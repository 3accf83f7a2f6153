import { describe, expect, it, vi } from 'vitest';

import { MAX_MARKS, MarkEditor } from '../src/volunteer/marks';

describe('MarkEditor', () => {
  it('starts undecided and cannot be submitted', () => {
    const e = new MarkEditor(256, 256);
    expect(e.verdict).toBe('undecided');
    expect(e.canSubmit).toBe(false);
    expect(e.toAnswer(1000)).toBeNull();
  });

  it('adds marks clamped into the tile, without selecting them', () => {
    const e = new MarkEditor(256, 200);
    const a = e.add(10, 20, 'destroyed');
    const b = e.add(-5, 300, 'crater');
    expect(e.all.map((m) => [m.x, m.y, m.cls])).toEqual([
      [10, 20, 'destroyed'],
      [0, 200, 'crater'],
    ]);
    expect(a).not.toBe(b);
    expect(e.selected).toBeNull();
    expect(e.toAnswer(1234.6)).toEqual({
      marks: [
        { x: 10, y: 20, class: 'destroyed' },
        { x: 0, y: 200, class: 'crater' },
      ],
      duration_ms: 1235,
    });
  });

  it('moves, reclassifies and removes marks, and undoes each step in order', () => {
    const e = new MarkEditor(256, 256);
    const id = e.add(10, 10, 'destroyed')!;
    e.move(id, 50, 60);
    e.setClass(id, 'severe');
    e.select(id);
    e.remove(id);
    expect(e.all).toHaveLength(0);
    expect(e.selected).toBeNull();
    expect(e.undo()).toBe(true);
    expect(e.all[0]).toMatchObject({ x: 50, y: 60, cls: 'severe' });
    expect(e.selected?.id).toBe(id);
    e.undo();
    expect(e.all[0].cls).toBe('destroyed');
    e.undo();
    expect(e.all[0]).toMatchObject({ x: 10, y: 10 });
    e.undo();
    expect(e.all).toHaveLength(0);
    expect(e.undo()).toBe(false);
  });

  it('records no history for changes that change nothing', () => {
    const e = new MarkEditor(256, 256);
    const id = e.add(10, 10, 'destroyed')!;
    e.move(id, 10, 10);
    e.setClass(id, 'destroyed');
    e.remove(999);
    e.select(id);
    e.undo();
    expect(e.all).toHaveLength(0);
    expect(e.canUndo).toBe(false);
  });

  it('"nothing here" replaces the marks, and undo brings them back', () => {
    const e = new MarkEditor(256, 256);
    e.add(1, 1, 'destroyed');
    e.toggleNothingHere();
    expect(e.verdict).toBe('nothing_here');
    expect(e.all).toHaveLength(0);
    expect(e.toAnswer(5)).toEqual({ nothing_here: true, duration_ms: 5 });
    e.undo();
    expect(e.verdict).toBe('marks');
    expect(e.all).toHaveLength(1);
  });

  it('a mark placed after "nothing here" or "can\'t tell" replaces them', () => {
    const e = new MarkEditor(256, 256);
    e.toggleNothingHere();
    e.add(5, 5, 'crater');
    expect(e.verdict).toBe('marks');
    e.toggleCantTell('cloud');
    expect(e.verdict).toBe('cant_tell');
    e.add(6, 6, 'crater');
    expect(e.verdict).toBe('marks');
  });

  it('"can\'t tell" carries its reason and toggles off', () => {
    const e = new MarkEditor(256, 256);
    e.toggleCantTell();
    expect(e.toAnswer(0)).toEqual({ cant_tell: true, reason: 'unclear', duration_ms: 0 });
    e.setReason('cloud');
    expect(e.toAnswer(0)).toMatchObject({ reason: 'cloud' });
    e.toggleCantTell();
    expect(e.verdict).toBe('undecided');
    e.setReason('blur');
    expect(e.cantTellReason).toBe('');
  });

  it('stops at the mark cap the server enforces', () => {
    const e = new MarkEditor(256, 256);
    for (let i = 0; i < MAX_MARKS; i++) expect(e.add(i % 256, 1, 'crater')).not.toBeNull();
    expect(e.add(1, 1, 'crater')).toBeNull();
    expect(e.all).toHaveLength(MAX_MARKS);
  });

  it('finds the nearest mark within a radius', () => {
    const e = new MarkEditor(256, 256);
    e.add(10, 10, 'destroyed');
    const near = e.add(20, 10, 'crater')!;
    expect(e.hit(18, 11, 5)?.id).toBe(near);
    expect(e.hit(100, 100, 5)).toBeNull();
  });

  it('tells listeners about every change, selection included', () => {
    const e = new MarkEditor(256, 256);
    const fn = vi.fn();
    e.onChange(fn);
    const id = e.add(1, 1, 'destroyed')!;
    e.select(id);
    e.undo();
    expect(fn).toHaveBeenCalledTimes(3);
  });
});
