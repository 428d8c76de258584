<?php

declare(strict_types=1);

namespace Reports\Client;

/**
 * A webhook endpoint the size of a controller action: the raw body, the request's headers and the shared secret in,
 * an HTTP status and a JSON answer out. In Laravel (the route outside the VerifyCsrfToken middleware's web group):
 *
 *     Route::post('/hooks/reports', function (Request $request) {
 *         [$status, $answer, $report] = WebhookController::handle(
 *             $request->getContent(), $request->headers->all(), config('services.reports.webhook_secret'));
 *         if ($report !== null) {
 *             ReportFinished::dispatch($report, $request->header('Reports-Delivery')); // queue the work, answer at once
 *         }
 *         return response()->json($answer, $status);
 *     });
 *
 * A 2xx answer delivers; anything else makes the worker retry with backoff, so a refused signature is a 400.
 */
final class WebhookController
{
    /**
     * @param array<string, string|list<string>> $headers any case: getallheaders(), or Laravel's $request->headers->all()
     * @return array{0: int, 1: array<string, mixed>, 2: array<string, mixed>|null} the status, the JSON answer, and the
     *                                                                             verified report (null when refused)
     */
    public static function handle(string $rawBody, array $headers, string $secret, int $toleranceSeconds = WebhookSignature::DEFAULT_TOLERANCE_SECONDS, ?int $now = null): array
    {
        $header = static function (string $name) use ($headers): ?string {
            foreach ($headers as $key => $value) {
                if (strcasecmp((string) $key, $name) === 0) {
                    return is_array($value) ? (string) ($value[0] ?? '') : (string) $value;
                }
            }

            return null;
        };

        // Verify the bytes as received, before parsing them: HMAC-SHA256, hash_equals, and t within the tolerance.
        $failure = WebhookSignature::failure($rawBody, $header(WebhookSignature::HEADER), $secret, $toleranceSeconds, $now);
        if ($failure !== null) {
            return [400, ['error' => 'signature_' . $failure], null];
        }

        $report = json_decode($rawBody, true);
        if (!is_array($report) || !is_string($report['id'] ?? null)) {
            return [400, ['error' => 'not_a_report'], null];
        }

        return [200, [
            'delivery' => $header(WebhookSignature::DELIVERY_HEADER),
            'event' => $header(WebhookSignature::EVENT_HEADER),
            'report' => $report['id'],
        ], $report];
    }
}
