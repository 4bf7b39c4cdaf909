/** Shared values, taken from Django's tests/csrf_tests/tests.py so that our results can be compared with Django's. */

/** Django's `TEST_SECRET`, an unmasked secret. */
export const TEST_SECRET = 'lcccccccX2kcccccccY2jcccccccssIC'
/** Django's two masked versions of `TEST_SECRET`. */
export const MASKED_TEST_SECRET1 = '1bcdefghij2bcdefghij3bcdefghij4bcdefghij5bcdefghij6bcdefghijABCD'
export const MASKED_TEST_SECRET2 = '2JgchWvM1tpxT2lfz9aydoXW9yT1DN3NdLiejYxOOlzzV4nhBbYqmqZYbAV3V5Bf'
/** A different, valid secret: a token of it is well formed but incorrect for `TEST_SECRET`. */
export const OTHER_SECRET = 'da4SrUiHJYoJ0HYQ0vcgisoIuFOxx4ER'

/** A RandomString that always returns the given string (for deterministic masks). */
export const fixedRandom =
  (value: string) =>
  (length: number): string => {
    if (value.length !== length) throw new Error(`fixedRandom holds ${value.length} chars, asked for ${length}`)
    return value
  }
