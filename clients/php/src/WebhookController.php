<?php

declare(strict_types=1);

namespace Reports\Client;

/**
 * A webhook endpoint the size of a controller action: the raw body, the request's headers, the shared secret and a way to
 * claim an event in, an HTTP status and a JSON answer out. In Laravel (the route outside the VerifyCsrfToken
 * middleware's web group):
 *
 *     Route::post('/hooks/reports', function (Request $request) {
 *         [$status, $answer, $report] = WebhookController::handle(
 *             $request->getContent(), $request->headers->all(), config('services.reports.webhook_secret'),
 *             claim: fn (string $key): bool => Cache::add('reports-webhook:' . $key, true, now()->addHours(25)));
 *         if ($report !== null) {
 *             ReportFinished::dispatch($report); // a new event: queue the work, answer at once
 *         }
 *         return response()->json($answer, $status);
 *     });
 *
 * A 2xx answer delivers; anything else makes the worker retry with backoff, so a refused signature is a 400. A duplicate
 * (a retry whose first answer was lost, or a captured delivery replayed within the tolerance) is a 200 without the report.
 */
final class WebhookController
{
    /**
     * @param array<string, string|list<string>> $headers any case: getallheaders(), or Laravel's $request->headers->all()
     * @param null|callable(string): bool $claim records the event's key ({@see WebhookSignature::eventKey}) and says
     *        whether it was new, atomically (Laravel's Cache::add, a unique row, Redis SET NX), kept at least 25 hours
     *        (the worker's 24 hours of retries and the 5 minutes' tolerance); null to de-duplicate elsewhere
     * @return array{0: int, 1: array<string, mixed>, 2: array<string, mixed>|null} the status, the JSON answer, and the
     *                                                                             verified report (null when refused or
     *                                                                             a duplicate)
     */
    public static function handle(
        string $rawBody,
        array $headers,
        string $secret,
        int $toleranceSeconds = WebhookSignature::DEFAULT_TOLERANCE_SECONDS,
        ?int $now = null,
        ?callable $claim = null,
    ): array {
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
        if (!is_array($report) || !is_string($report['id'] ?? null) || !is_string($report['status'] ?? null)
            || !(is_int($report['attempts'] ?? null) || is_string($report['attempts'] ?? null))) {
            return [400, ['error' => 'not_a_report'], null];
        }

        // De-duplicate on what the signature covers: the report's id, status and attempt. Reports-Delivery is only for the log.
        $key = WebhookSignature::eventKey($report);
        $answer = [
            'event' => 'report.' . $report['status'],
            'report' => $report['id'],
            'key' => $key,
            'delivery' => $header(WebhookSignature::DELIVERY_HEADER),
        ];
        if ($claim !== null && !$claim($key)) {
            return [200, $answer + ['duplicate' => true], null];
        }

        return [200, $answer + ['duplicate' => false], $report];
    }
}
