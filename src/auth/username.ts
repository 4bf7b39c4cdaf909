/**
 * The two forms of a username. Django's `AbstractBaseUser.normalize_username` stores NFKC, so that
 * `ﬁ` and `fi`, or full-width `ａｌｉｃｅ` and `alice`, are one name. Tessera also makes names unique
 * and throttled without regard to case: `Carol` and `carol` are one account, so that nobody can
 * register a look-alike of somebody else's name, and every counter keyed by a name belongs to one account.
 */

/** The form a new username is stored in (Django's `normalize_username`). */
export const normalizeUsername = (username: string): string => username.normalize('NFKC')

/**
 * The canonical key: NFKC, then case-folded. JavaScript has no `casefold()`; upper-casing before
 * lower-casing folds what lower-casing alone keeps apart (`ß` and `ss`, `ς` and `σ`), and dotless `ı`
 * joins `i`: for a uniqueness key, merging too much is the safe side. NFKC again because case mapping
 * can leave a sequence that is not in normal form.
 */
export const usernameKey = (username: string): string => normalizeUsername(username).toUpperCase().toLowerCase().normalize('NFKC')
