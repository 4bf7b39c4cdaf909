import type { Config } from './config.js'

/** Settings that are allowed but unsafe, said once at start (the plugin logs them). */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = []
  if (config.routes.logout.methods.includes('GET')) warnings.push('logout answers GET (LOGOUT_ON_GET or ROUTE_LOGOUT_METHODS): any page can log your users out with a link or an image, as GET carries no CSRF token')
  if (config.env !== 'production') return warnings
  if (!config.cookies.access.secure) {
    warnings.push('cookies.secure (AUTH_COOKIE_SECURE) is false in production: the auth cookies travel over plain HTTP, readable by anyone on the path; serve HTTPS and leave it at its default, true')
  } else if (!config.cookies.csrf.secure) {
    warnings.push('cookies.csrf.secure (CSRF_COOKIE_SECURE) is false in production: the CSRF cookie travels over plain HTTP')
  }
  return warnings
}
