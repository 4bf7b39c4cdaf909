/**
 * Which writing systems a username uses, for refusing confusable mixtures (`аlice` with a Cyrillic `а`
 * looks exactly like `alice`, and case folding cannot join them). Unicode TR39 §5.2, "highly restrictive":
 * one script, or Latin with the scripts that are written together with it (Han with Hiragana and Katakana,
 * with Bopomofo, or with Hangul). Characters of every script (digits, `_.@+-`) and combining marks are neutral.
 */

/** Unicode's script names (Script property values). Those the running Node does not know yet are skipped. */
const SCRIPT_NAMES = `Adlam Ahom Anatolian_Hieroglyphs Arabic Armenian Avestan Balinese Bamum Bassa_Vah Batak Bengali Beria_Erfe
Bhaiksuki Bopomofo Brahmi Braille Buginese Buhid Canadian_Aboriginal Carian Caucasian_Albanian Chakma Cham Cherokee Chorasmian
Coptic Cuneiform Cypriot Cypro_Minoan Cyrillic Deseret Devanagari Dives_Akuru Dogra Duployan Egyptian_Hieroglyphs Elbasan
Elymaic Ethiopic Garay Georgian Glagolitic Gothic Grantha Greek Gujarati Gunjala_Gondi Gurmukhi Gurung_Khema Han Hangul
Hanifi_Rohingya Hanunoo Hatran Hebrew Hiragana Imperial_Aramaic Inscriptional_Pahlavi Inscriptional_Parthian Javanese Kaithi
Kannada Katakana Kawi Kayah_Li Kharoshthi Khitan_Small_Script Khmer Khojki Khudawadi Kirat_Rai Lao Latin Lepcha Limbu Linear_A
Linear_B Lisu Lycian Lydian Mahajani Makasar Malayalam Mandaic Manichaean Marchen Masaram_Gondi Medefaidrin Meetei_Mayek
Mende_Kikakui Meroitic_Cursive Meroitic_Hieroglyphs Miao Modi Mongolian Mro Multani Myanmar Nabataean Nag_Mundari Nandinagari
New_Tai_Lue Newa Nko Nushu Nyiakeng_Puachue_Hmong Ogham Ol_Chiki Ol_Onal Old_Hungarian Old_Italic Old_North_Arabian Old_Permic
Old_Persian Old_Sogdian Old_South_Arabian Old_Turkic Old_Uyghur Oriya Osage Osmanya Pahawh_Hmong Palmyrene Pau_Cin_Hau Phags_Pa
Phoenician Psalter_Pahlavi Rejang Runic Samaritan Saurashtra Sharada Shavian Siddham Sidetic SignWriting Sinhala Sogdian
Sora_Sompeng Soyombo Sundanese Sunuwar Syloti_Nagri Syriac Tagalog Tagbanwa Tai_Le Tai_Tham Tai_Viet Tai_Yo Takri Tamil Tangsa
Tangut Telugu Thaana Thai Tibetan Tifinagh Tirhuta Todhri Tolong_Siki Toto Tulu_Tigalari Ugaritic Vai Vithkuqi Wancho
Warang_Citi Yezidi Yi Zanabazar_Square`.split(/\s+/)

let table: [name: string, pattern: RegExp][] | undefined
/** Built at the first non-ASCII name: registration is rare, and most names never need it. */
const scripts = () =>
  (table ??= SCRIPT_NAMES.flatMap((name): [string, RegExp][] => {
    try {
      return [[name, new RegExp(`^\\p{Script=${name}}$`, 'u')]]
    } catch {
      return []
    }
  }))

const NEUTRAL = /^[\p{Script=Common}\p{Script=Inherited}]$/u
const ASCII_LETTER = /^[A-Za-z]$/
const TOGETHER_WITH_LATIN = [new Set(['Latin', 'Han', 'Hiragana', 'Katakana']), new Set(['Latin', 'Han', 'Bopomofo']), new Set(['Latin', 'Han', 'Hangul'])]

/** The scripts of the letters of `username` (a script this Node cannot name is `Unknown`). */
export function scriptsOf(username: string): Set<string> {
  const found = new Set<string>()
  for (const char of username) {
    if (char < '\x80') {
      if (ASCII_LETTER.test(char)) found.add('Latin')
      continue
    }
    if (NEUTRAL.test(char)) continue
    found.add(scripts().find(([, pattern]) => pattern.test(char))?.[0] ?? 'Unknown')
  }
  return found
}

/** The scripts of `username` (sorted) when they are a confusable mixture; undefined when it is "highly restrictive". */
export function mixedScripts(username: string): string[] | undefined {
  const found = scriptsOf(username)
  if (found.size <= 1 || TOGETHER_WITH_LATIN.some((allowed) => [...found].every((script) => allowed.has(script)))) return undefined
  return [...found].sort().map((script) => script.replaceAll('_', ' '))
}
