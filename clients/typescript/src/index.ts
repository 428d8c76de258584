export { ReportsClient, FinalStatuses } from "./client.js";
export type { CreateReportRequest, CreatedReport, FollowOptions, PollOptions, ReportResource, ReportsClientOptions } from "./client.js";
export { ProblemError, retryAfterSeconds } from "./problems.js";
export type { ProblemDetails } from "./problems.js";
export { DefaultToleranceSeconds, WebhookHeaders, parseVerifiedWebhook, signWebhook, verifyWebhook } from "./webhooks.js";
export type { VerifyWebhookOptions, WebhookVerification } from "./webhooks.js";
export type { components, paths } from "./generated/schema.js";
