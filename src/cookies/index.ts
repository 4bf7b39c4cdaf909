export { setCookie, deleteCookie, type CookieInstruction, type CookieJarSettings } from './cookies.js'
