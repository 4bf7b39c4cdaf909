export { translate, translateBody, SUPPORTED_LANGUAGES } from './translate.js'
export { languageFromRequest, parseAcceptLanguage, supportedLanguageVariant, isEnglish } from './language.js'
