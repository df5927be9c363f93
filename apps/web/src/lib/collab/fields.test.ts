import { describe, expect, test } from 'vitest';
import { jobLimits } from '@atelier/contracts';
import { maskLimits } from './fields.js';

describe('mask limits', () => {
  test('are the ones the server checks a job against', () => {
    expect(maskLimits).toMatchObject({ strokes: jobLimits.maskStrokes, pointsPerStroke: jobLimits.maskPointsPerStroke, totalPoints: jobLimits.maskTotalPoints });
  });
});
