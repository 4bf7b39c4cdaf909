export { describeSource, parseDjangoTimestamp, readDjangoUsers, type DjangoSourceOptions, type DjangoUser } from './django-source.js'
export { importDjangoUsers, type IdMismatch, type ImportOptions, type ImportReport } from './import-users.js'
