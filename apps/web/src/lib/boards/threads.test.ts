import { describe, expect, test } from 'vitest';
import { mentionMatches, mentionQuery, withMention } from './threads.js';

const people = [
  { id: '00000000-0000-4000-8000-000000000001', name: 'Ana Ortiz' },
  { id: '00000000-0000-4000-8000-000000000002', name: 'Bruno Ana' },
  { id: '00000000-0000-4000-8000-000000000003', name: 'Chen Li' },
];

describe('@mentions while typing', () => {
  test('finds the @name being typed before the caret, and nothing inside a word or an address', () => {
    expect(mentionQuery('Looks good @an', 14)).toEqual({ start: 11, query: 'an' });
    expect(mentionQuery('@', 1)).toEqual({ start: 0, query: '' });
    expect(mentionQuery('mail me at me@example.com', 25)).toBeUndefined();
    expect(mentionQuery('@ana and more', 13)).toBeUndefined();
  });

  test('lists names starting with the query first, then containing it', () => {
    expect(mentionMatches(people, 'an').map((person) => person.name)).toEqual(['Ana Ortiz', 'Bruno Ana']);
    expect(mentionMatches(people, '').length).toBe(3);
    expect(mentionMatches(people, 'zz')).toEqual([]);
  });

  test('puts the picked name in place of what was typed, with the caret after it', () => {
    expect(withMention('Looks good @an', 11, 'an', 'Ana Ortiz')).toEqual({ text: 'Looks good @Ana Ortiz ', caret: 22 });
    expect(withMention('@ch please', 0, 'ch', 'Chen Li')).toEqual({ text: '@Chen Li please', caret: 9 });
  });
});
