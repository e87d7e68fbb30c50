import XAPIModule from '@xapi/xapi'

/**
 * @xapi/xapi ships CommonJS whose type declarations describe an ES default export; under
 * NodeNext the class is reached through `.default`, which the package also sets at run time.
 */
export const XAPI = XAPIModule.default
