import { expect } from 'vitest';
import { UsageError } from '../../src/core/errors.js';

/** The UsageError a function throws (fails the test when it does not throw one). */
export function usageError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('expected a UsageError, nothing was thrown');
}
