/**
 * The simulated Vipps app's inbox: which test user's app each payment request was sent to. APIs
 * whose payments reach the app register a provider here; the user-side pages list and act on
 * requests through the providers, never through an API's tables.
 */
export class UserInbox {}
