import { describe, expect, it } from 'vitest';

import ar from '../public/i18n/analyst/ar.json';
import es from '../public/i18n/analyst/es.json';
import fr from '../public/i18n/analyst/fr.json';
import { defaultFilter, filterQuery, hasInterval, passes, type Filter } from '../src/analyst/filters';
import { Cursor, isTyping, keyAction } from '../src/analyst/keys';
import { dispositionName } from '../src/analyst/net';
import type { SiteRow } from '../src/analyst/types';
import { rowWindow, scrollToRow } from '../src/analyst/window';
import en from '../src/i18n/analyst/en.json';
import shared from '../src/i18n/en.json';
import { addAppTables, addTable, setLang, t, tn } from '../src/lib/i18n';

const placeholders = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();

describe('analyst translations', () => {
  for (const [lang, table] of Object.entries({ ar, es, fr } as Record<string, Record<string, string>>)) {
    it(`${lang} has every English key, with the same placeholders`, () => {
      expect(Object.keys(table).sort()).toEqual(Object.keys(en).sort());
      for (const [key, text] of Object.entries(en)) expect(placeholders(table[key]), `${lang} ${key}`).toEqual(placeholders(text));
    });
  }
  it('falls back to the app’s English strings, as the shared ones do', () => {
    addAppTables('analyst', en);
    setLang('en', false);
    expect(tn('analyst.sites.count', 1)).toBe('1 site');
    expect(tn('analyst.sites.count', 2500)).toBe('2,500 sites');
    // A table loaded without the app's strings still shows them, in English.
    addTable('fr', { 'nav.signout': 'Se déconnecter' });
    setLang('fr', false);
    expect(t('nav.signout')).toBe('Se déconnecter');
    expect(t('analyst.export.title')).toBe(en['analyst.export.title']);
    setLang('en', false);
  });

  it('uses keys of its own, never the shared table’s', () => {
    for (const key of Object.keys(en)) {
      expect(key.startsWith('analyst.'), key).toBe(true);
      expect(key in shared, key).toBe(false);
    }
  });
});

const site = (over: Partial<SiteRow> = {}): SiteRow => ({
  id: 's1',
  lon: 39,
  lat: 35.9,
  class: 'destroyed',
  confidence: 0.8,
  support: 0.7,
  status: 'candidate',
  damaged_after: '2017-05-08',
  damaged_before: '2017-10-30',
  ...over,
});
const filter = (over: Partial<Filter> = {}): Filter => ({ ...defaultFilter(), statuses: [], ...over });

describe('filters', () => {
  it('become a query string with only the bounds that are set', () => {
    expect(filterQuery(filter())).toBe('');
    expect(filterQuery(defaultFilter())).toBe('status=candidate%2Cconfirmed');
    const q = new URLSearchParams(
      filterQuery(filter({ classes: ['severe', 'crater'], minConfidence: 0.55, statuses: ['rejected'], damagedAfter: '2017-06-01', damagedBefore: 'junk' })),
    );
    expect(q.get('class')).toBe('crater,severe');
    expect(q.get('min_confidence')).toBe('0.55');
    expect(q.get('status')).toBe('rejected');
    expect(q.get('damaged_after')).toBe('2017-06-01');
    expect(q.has('damaged_before')).toBe(false);
  });

  it('pass a site on class, confidence and status', () => {
    expect(passes(site(), filter())).toBe(true);
    expect(passes(site(), filter({ classes: ['crater'] }))).toBe(false);
    expect(passes(site(), filter({ classes: ['crater', 'destroyed'] }))).toBe(true);
    expect(passes(site({ confidence: 0.5 }), filter({ minConfidence: 0.6 }))).toBe(false);
    expect(passes(site({ status: 'rejected' }), defaultFilter())).toBe(false);
    expect(passes(site({ status: 'confirmed' }), defaultFilter())).toBe(true);
  });

  it('pass undated sites only while no interval is set', () => {
    const undated = site({ damaged_after: null, damaged_before: null });
    expect(hasInterval(filter())).toBe(false);
    expect(passes(undated, filter())).toBe(true);
    expect(passes(undated, filter({ damagedAfter: '2017-01-01' }))).toBe(false);
  });

  it('pass a site whose damage window overlaps the interval', () => {
    // Damaged between 8 May and 30 October 2017.
    expect(passes(site(), filter({ damagedAfter: '2017-10-30' }))).toBe(true);
    expect(passes(site(), filter({ damagedAfter: '2017-10-31' }))).toBe(false);
    expect(passes(site(), filter({ damagedBefore: '2017-05-08' }))).toBe(true);
    expect(passes(site(), filter({ damagedBefore: '2017-05-07' }))).toBe(false);
    expect(passes(site(), filter({ damagedAfter: '2017-06-01', damagedBefore: '2017-07-01' }))).toBe(true);
    // An open end counts as open.
    expect(passes(site({ damaged_before: null }), filter({ damagedAfter: '2020-01-01' }))).toBe(true);
    expect(passes(site({ damaged_after: null }), filter({ damagedBefore: '2000-01-01' }))).toBe(true);
    expect(passes(site({ damaged_after: null }), filter({ damagedAfter: '2018-01-01' }))).toBe(false);
  });
});

describe('list window', () => {
  it('draws only the rows in view plus the overscan', () => {
    const w = rowWindow(100_000, 44, 44 * 5000, 440, 6);
    expect(w.start).toBe(4994);
    expect(w.end).toBe(5000 + 11 + 6);
    expect(w.offset).toBe(4994 * 44);
    expect(w.height).toBe(4_400_000);
    expect(w.end - w.start).toBeLessThan(40);
  });

  it('stays inside the list at both ends', () => {
    expect(rowWindow(0, 44, 0, 400)).toEqual({ start: 0, end: 0, offset: 0, height: 0 });
    const top = rowWindow(3, 44, -50, 400);
    expect([top.start, top.end]).toEqual([0, 3]);
    const bottom = rowWindow(1000, 44, 1e9, 440);
    expect(bottom.end).toBe(1000);
    expect(bottom.start).toBe(1000 - 10 - 6);
  });

  it('scrolls a row into view only when it is out of view', () => {
    expect(scrollToRow(10, 44, 0, 440)).toBe(44);
    expect(scrollToRow(5, 44, 0, 440)).toBeNull();
    expect(scrollToRow(2, 44, 200, 440)).toBe(88);
  });
});

describe('keyboard', () => {
  it('maps keys to actions, leaving text fields their keys', () => {
    expect(keyAction({ key: 'j' }, false)).toBe('next');
    expect(keyAction({ key: 'ArrowDown' }, false)).toBe('next');
    expect(keyAction({ key: 'k' }, false)).toBe('prev');
    expect(keyAction({ key: 'ArrowUp' }, false)).toBe('prev');
    expect(keyAction({ key: 'c' }, false)).toBe('confirm');
    expect(keyAction({ key: 'r' }, false)).toBe('reject');
    expect(keyAction({ key: 'Enter' }, false)).toBe('open');
    expect(keyAction({ key: 'Escape' }, false)).toBe('close');
    expect(keyAction({ key: 'c' }, true)).toBeNull();
    expect(keyAction({ key: 'Escape' }, true)).toBe('close');
    expect(keyAction({ key: 'r', ctrlKey: true }, false)).toBeNull();
    expect(keyAction({ key: 'x' }, false)).toBeNull();
  });

  it('knows when keys are typing', () => {
    const el = (html: string) => {
      document.body.innerHTML = html;
      return document.body.firstElementChild;
    };
    expect(isTyping(el('<textarea></textarea>'))).toBe(true);
    expect(isTyping(el('<input type="text">'))).toBe(true);
    expect(isTyping(el('<input type="date">'))).toBe(true);
    expect(isTyping(el('<select></select>'))).toBe(true);
    expect(isTyping(el('<input type="checkbox">'))).toBe(false);
    expect(isTyping(el('<button></button>'))).toBe(false);
    expect(isTyping(null)).toBe(false);
  });

  it('moves a cursor that stays inside the list', () => {
    const c = new Cursor(3);
    expect(c.index).toBe(-1);
    expect(c.move('next')).toBe(0);
    expect(c.move('next')).toBe(1);
    expect(c.move('next')).toBe(2);
    expect(c.move('next')).toBe(2);
    expect(c.move('prev')).toBe(1);
    expect(c.move('first')).toBe(0);
    expect(c.move('prev')).toBe(0);
    expect(c.move('last')).toBe(2);
    c.resize(2);
    expect(c.index).toBe(1);
    c.resize(0);
    expect(c.index).toBe(-1);
    expect(c.move('next')).toBe(-1);
    c.resize(5);
    expect(c.set(9)).toBe(4);
    expect(new Cursor(4).move('prev')).toBe(0);
  });
});

describe('downloads', () => {
  it('take the file name the server gives', () => {
    expect(dispositionName('attachment; filename="raqqa-sites.csv"')).toBe('raqqa-sites.csv');
    expect(dispositionName("attachment; filename=x.kml; filename*=UTF-8''r%C3%A9sum%C3%A9.kml")).toBe('résumé.kml');
    expect(dispositionName('attachment')).toBeNull();
    expect(dispositionName(null)).toBeNull();
  });
});
