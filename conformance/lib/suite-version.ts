/** Version of the conformance suite itself, printed in every report so a filed report can be traced. */
export const SUITE_NAME = 'hub-conformance'
export const SUITE_VERSION = '1.2.0'
