import type { RouteSpec } from '../../config/index.js'
import type { Runtime } from '../../runtime.js'
import type { TesseraApi } from '../api.js'

/** What every route module receives from the plugin. */
export interface RouteDeps {
  runtime: Runtime
  /** The preHandler that requires an access token (see `TesseraApi.authenticate`). */
  authenticate: TesseraApi['authenticate']
}

/** Where the route table puts a route: `app.route({ ...at(config.routes.login), handler })`. */
export const at = (spec: RouteSpec) => ({ method: [...spec.methods], url: spec.path })

/** The route of one item under a list route (`sessions/` → `sessions/:id/`), whether or not the list's path ends in a slash. */
export const itemPath = (spec: RouteSpec) => `${spec.path.replace(/\/?$/, '/')}:id/`
