<?php

declare(strict_types=1);

namespace Reports\Client;

/**
 * The Reports API for a PHP application (Laravel or not): request a report with an Idempotency-Key, follow it to a
 * final state, download its file through the short-lived signed URL. Reports are the API's status resource as arrays
 * (json_decode(..., true)); every failed call throws a ProblemException. Needs only ext-curl.
 */
final class ReportsClient
{
    public const FINAL_STATUSES = ['succeeded', 'failed', 'cancelled', 'expired'];

    private readonly string $baseUrl;

    /**
     * @param string $baseUrl the API's address, e.g. http://localhost:5080
     * @param string $token an API key (rpt_…) or an identity provider's access token: both go in Authorization: Bearer
     */
    public function __construct(string $baseUrl, private readonly string $token, private readonly int $timeoutSeconds = 30)
    {
        $this->baseUrl = rtrim($baseUrl, '/');
    }

    /**
     * Requests a report (202). Retry with the same $idempotencyKey after a timeout, a 503 or a lost answer: the API
     * answers the first request's report again instead of making a second one.
     *
     * @param array<string, mixed> $request type, format, parameters, webhookUrl, emailRecipients
     * @return array{report: array<string, mixed>, location: string, replayed: bool}
     */
    public function createReport(array $request, string $idempotencyKey): array
    {
        $response = $this->send('POST', '/api/reports', ['Idempotency-Key: ' . $idempotencyKey], json_encode($request, JSON_THROW_ON_ERROR));
        $this->ensureStatus($response, 202);

        return [
            'report' => $this->json($response),
            'location' => $response['headers']['location'] ?? '',
            'replayed' => ($response['headers']['idempotent-replayed'] ?? '') === 'true',
        ];
    }

    /** @return array<string, mixed> the status resource: status, progress, error, file… */
    public function getReport(string $id): array
    {
        $response = $this->send('GET', '/api/reports/' . rawurlencode($id));
        $this->ensureStatus($response, 200);

        return $this->json($response);
    }

    /**
     * Polls the report until a final status: waits $intervalSeconds, growing by half each time up to $maxIntervalSeconds;
     * a 429 or 503 waits the server's Retry-After and polls again; any other problem is thrown.
     *
     * @param null|callable(array<string, mixed>): void $onUpdate called with each state
     * @return array<string, mixed>
     */
    public function waitForReport(string $id, float $intervalSeconds = 1.0, float $maxIntervalSeconds = 10.0, ?callable $onUpdate = null, int $timeoutSeconds = 3600): array
    {
        $until = microtime(true) + $timeoutSeconds;
        while (true) {
            $wait = $intervalSeconds;
            try {
                $report = $this->getReport($id);
                if ($onUpdate !== null) {
                    $onUpdate($report);
                }

                if (in_array($report['status'], self::FINAL_STATUSES, true)) {
                    return $report;
                }

                $intervalSeconds = min($maxIntervalSeconds, $intervalSeconds * 1.5);
            } catch (ProblemException $e) {
                if ($e->status !== 429 && $e->status !== 503) {
                    throw $e;
                }

                $wait = (float) ($e->retryAfterSeconds ?? 5);
            }

            if (microtime(true) + $wait > $until) {
                throw new \RuntimeException("Report {$id} is not finished after {$timeoutSeconds} s.");
            }

            usleep((int) ($wait * 1_000_000));
        }
    }

    /**
     * The finished file's short-lived signed URL: GET /api/reports/{id}/download answers 302 with it in Location. The
     * redirect is not followed here, so the token never travels to blob storage (the URL needs none).
     */
    public function downloadUrl(string $id): string
    {
        $response = $this->send('GET', '/api/reports/' . rawurlencode($id) . '/download');
        $this->ensureStatus($response, 302);

        return $response['headers']['location'] ?? throw new \UnexpectedValueException('The 302 has no Location.');
    }

    /** Streams the finished file to $path (never whole in memory); returns its size in bytes. */
    public function downloadTo(string $id, string $path): int
    {
        $url = $this->downloadUrl($id);
        $file = fopen($path, 'wb') ?: throw new \RuntimeException("Cannot write {$path}.");
        try {
            $curl = curl_init($url);
            curl_setopt_array($curl, [
                CURLOPT_FILE => $file,
                CURLOPT_FAILONERROR => false,
                CURLOPT_CONNECTTIMEOUT => $this->timeoutSeconds,
                CURLOPT_PROTOCOLS => CURLPROTO_HTTP | CURLPROTO_HTTPS,
            ]);
            if (curl_exec($curl) === false) {
                throw new \RuntimeException('Download failed: ' . curl_error($curl));
            }

            $status = curl_getinfo($curl, CURLINFO_RESPONSE_CODE);
            curl_close($curl);
        } finally {
            fclose($file);
        }

        if ($status !== 200) {
            $body = (string) file_get_contents($path, length: 200);
            unlink($path);
            throw ProblemException::fromResponse($status, $body, null);
        }

        return (int) filesize($path);
    }

    /** The secret this owner's webhooks are signed with (whsec_…). */
    public function webhookSecret(): string
    {
        $response = $this->send('GET', '/api/account/webhook-secret');
        $this->ensureStatus($response, 200);

        return (string) $this->json($response)['secret'];
    }

    /**
     * @param list<string> $headers
     * @return array{status: int, headers: array<string, string>, body: string}
     */
    private function send(string $method, string $path, array $headers = [], ?string $body = null): array
    {
        $received = [];
        $curl = curl_init($this->baseUrl . $path);
        curl_setopt_array($curl, [
            CURLOPT_CUSTOMREQUEST => $method,
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_FOLLOWLOCATION => false,
            CURLOPT_TIMEOUT => $this->timeoutSeconds,
            CURLOPT_HTTPHEADER => array_merge(
                ['Authorization: Bearer ' . $this->token, 'Accept: application/json, application/problem+json'],
                $body !== null ? ['Content-Type: application/json'] : [],
                $headers,
            ),
            CURLOPT_HEADERFUNCTION => static function ($curl, string $line) use (&$received): int {
                if (str_starts_with($line, 'HTTP/')) {
                    $received = []; // a new response (after a 100 Continue)
                }

                $parts = explode(':', $line, 2);
                if (count($parts) === 2) {
                    $received[strtolower(trim($parts[0]))] = trim($parts[1]);
                }

                return strlen($line);
            },
        ]);
        if ($body !== null) {
            curl_setopt($curl, CURLOPT_POSTFIELDS, $body);
        }

        $content = curl_exec($curl);
        if ($content === false) {
            $error = curl_error($curl);
            curl_close($curl);
            throw new \RuntimeException("{$method} {$path} got no answer: {$error}");
        }

        $status = curl_getinfo($curl, CURLINFO_RESPONSE_CODE);
        curl_close($curl);

        return ['status' => $status, 'headers' => $received, 'body' => (string) $content];
    }

    /** @param array{status: int, headers: array<string, string>, body: string} $response */
    private function ensureStatus(array $response, int $expected): void
    {
        if ($response['status'] !== $expected) {
            $retryAfter = $response['headers']['retry-after'] ?? null;
            throw ProblemException::fromResponse(
                $response['status'],
                $response['body'],
                $retryAfter !== null && ctype_digit($retryAfter) ? (int) $retryAfter : null,
            );
        }
    }

    /**
     * @param array{status: int, headers: array<string, string>, body: string} $response
     * @return array<string, mixed>
     */
    private function json(array $response): array
    {
        return json_decode($response['body'], true, 64, JSON_THROW_ON_ERROR);
    }
}
