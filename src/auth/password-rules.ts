/**
 * Django's four default password validators (django/contrib/auth/password_validation.py), with their
 * messages, so that field errors read the same as the reference backend's.
 */
export const MIN_PASSWORD_LENGTH = 8
const MAX_SIMILARITY = 0.7

/** The most common passwords (the head of the list Django ships); lower-case. */
const COMMON = new Set(
  ('123456 password 12345678 qwerty 123456789 12345 1234 111111 1234567 dragon 123123 baseball abc123 football monkey letmein ' +
    '696969 shadow master 666666 qwertyuiop 123321 mustang 1234567890 michael 654321 superman 1qaz2wsx 7777777 121212 000000 ' +
    'qazwsx 123qwe killer trustno1 jordan jennifer zxcvbnm asdfgh hunter buster soccer harley batman andrew tigger sunshine ' +
    'iloveyou 2000 charlie robert thomas hockey ranger daniel starwars klaster 112233 george computer michelle jessica pepper ' +
    '1111 zxcvbn 555555 11111111 131313 freedom 777777 pass maggie 159753 aaaaaa ginger princess joshua cheese amanda summer ' +
    'love ashley nicole chelsea biteme matthew access yankees 987654321 dallas austin thunder taylor matrix mobilemail mom ' +
    'monitor monitoring montana moon moscow passw0rd password1 password123 welcome welcome1 admin admin123 administrator ' +
    'qwerty123 qwerty1 1q2w3e4r 1q2w3e4r5t abcd1234 aa123456 login letmein1 changeme secret iloveyou1 football1 baseball1 ' +
    'princess1 sunshine1 trustno1 whatever hello hello123 test test123 guest root toor default master123 pokemon samsung ' +
    'google internet liverpool arsenal chelsea1 mercedes ferrari corvette jordan23 michael1 superman1 batman1 starwars1')
    .split(' '),
)

/** Python's SequenceMatcher.quick_ratio: 2·(common characters as multisets) / (total length). */
function quickRatio(a: string, b: string): number {
  if (a.length + b.length === 0) return 1
  const counts = new Map<string, number>()
  for (const ch of b) counts.set(ch, (counts.get(ch) ?? 0) + 1)
  let matches = 0
  for (const ch of a) {
    const n = counts.get(ch) ?? 0
    if (n > 0) {
      matches++
      counts.set(ch, n - 1)
    }
  }
  return (2 * matches) / (a.length + b.length)
}

const ATTRIBUTES = { username: 'username', first_name: 'first name', last_name: 'last name', email: 'email address' } as const

/** Returns Django's messages for every rule the password breaks (empty when it is acceptable). */
export function validatePassword(password: string, user: Partial<Record<keyof typeof ATTRIBUTES, string>> = {}): string[] {
  const problems: string[] = []
  const lower = password.toLowerCase()
  for (const [field, verbose] of Object.entries(ATTRIBUTES) as [keyof typeof ATTRIBUTES, string][]) {
    const value = user[field]
    if (!value) continue
    const candidates = [value, ...value.split(/\W+/)].map((v) => v.toLowerCase()).filter((v) => v.length > 0)
    if (candidates.some((part) => quickRatio(lower, part) >= MAX_SIMILARITY)) {
      problems.push(`The password is too similar to the ${verbose}.`)
      break
    }
  }
  if ([...password].length < MIN_PASSWORD_LENGTH) problems.push(`This password is too short. It must contain at least ${MIN_PASSWORD_LENGTH} characters.`)
  if (COMMON.has(lower.trim())) problems.push('This password is too common.')
  if (/^\d+$/.test(password)) problems.push('This password is entirely numeric.')
  return problems
}
