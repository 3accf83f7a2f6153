import { describe, expect, it } from 'vitest';

import ar from '../public/i18n/ar.json';
import en from '../src/i18n/en.json';
import es from '../public/i18n/es.json';
import fr from '../public/i18n/fr.json';
import { addTable, className, detect, setLang, t, tn } from '../src/lib/i18n';

const tables: Record<string, Record<string, string>> = { ar, es, fr };
const placeholders = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();

describe('translations', () => {
  for (const [lang, table] of Object.entries(tables)) {
    it(`${lang} has every English key, with the same placeholders`, () => {
      expect(Object.keys(table).sort()).toEqual(Object.keys(en).sort());
      for (const [key, text] of Object.entries(en)) {
        expect(placeholders(table[key]), `${lang} ${key}`).toEqual(placeholders(text));
        expect(table[key].split('|').length, `${lang} ${key}`).toBe(text.split('|').length);
      }
    });
  }
});

describe('i18n', () => {
  it('picks the saved language, else the browser one, else English', () => {
    expect(detect('fr', ['ar'])).toBe('fr');
    expect(detect(null, ['de-DE', 'ar-SY'])).toBe('ar');
    expect(detect('xx', ['de'])).toBe('en');
  });

  it('sets the page direction', () => {
    addTable('ar', ar);
    addTable('es', es);
    setLang('ar', false);
    expect(document.documentElement.dir).toBe('rtl');
    expect(document.documentElement.lang).toBe('ar');
    setLang('es', false);
    expect(document.documentElement.dir).toBe('ltr');
    expect(t('task.submit')).toBe(es['task.submit']);
  });

  it('fills placeholders and chooses singular forms', () => {
    setLang('en', false);
    expect(t('stats.answers', { n: 1200 })).toBe('Your answers: 1,200');
    expect(tn('task.marks', 1)).toBe('1 mark');
    expect(tn('task.marks', 3)).toBe('3 marks');
    expect(className('crater')).toBe('Crater');
    expect(className('burnt-vehicle')).toBe('burnt-vehicle');
  });
});
