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

    /** @var \Closure(): string|null the token provider, or null for a fixed token */
    private readonly ?\Closure $tokenProvider;

    private ?string $token;

    /**
     * @param string $baseUrl the API's address, e.g. http://localhost:5080
     * @param string|callable(): string $token an API key (rpt_…) or an identity provider's access token, both sent as
     *        Authorization: Bearer; or a callable giving one. The client calls it at first use and again after a 401 (an
     *        expired or revoked token), then retries that call once with the fresh token.
     * @param int $timeoutSeconds the longest an API call may take, and the connect timeout of a download
     * @param int $downloadTimeoutSeconds the longest a whole download may take; a download slower than 1 KiB/s for 30 s
     *        is abandoned sooner
     */
    public function __construct(
        string $baseUrl,
        string|callable $token,
        private readonly int $timeoutSeconds = 30,
        private readonly int $downloadTimeoutSeconds = 3600,
    ) {
        $this->baseUrl = rtrim($baseUrl, '/');
        $this->tokenProvider = is_string($token) ? null : \Closure::fromCallable($token);
        $this->token = is_string($token) ? $token : null;
    }

    /**
     * Requests a report (202). $idempotencyKey: a new random one (a UUID) per logical request, stored with whatever
     * retries it (the queued job); retry with the same one after a timeout, a 503 or a lost answer, and the API answers
     * the first request's report again instead of making a second one. A key derived from the intent would give a later,
     * genuine request the old report (maybe expired), or a 422 if its parameters differ.
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

    /**
     * Streams the finished file to $path (never whole in memory); returns its size in bytes. The file appears whole or
     * not at all: see {@see downloadSignedUrlTo}.
     */
    public function downloadTo(string $id, string $path): int
    {
        return $this->downloadSignedUrlTo($this->downloadUrl($id), $path);
    }

    /**
     * Streams a signed URL (from {@see downloadUrl}) to $path: into a temporary file beside it, renamed to $path only
     * when the whole answer arrived with 200, deleted on any failure, so $path never holds part of a file (an earlier
     * file there stays as it was). Abandoned after $downloadTimeoutSeconds, or sooner when slower than 1 KiB/s for 30 s.
     * No Authorization header: the URL is signed.
     */
    public function downloadSignedUrlTo(string $signedUrl, string $path): int
    {
        $temporary = $path . '.part-' . bin2hex(random_bytes(6));
        $file = fopen($temporary, 'xb') ?: throw new \RuntimeException("Cannot write {$temporary}.");
        $status = 0;
        $error = null;
        try {
            $curl = curl_init($signedUrl);
            curl_setopt_array($curl, [
                CURLOPT_FILE => $file,
                CURLOPT_FAILONERROR => false,
                CURLOPT_CONNECTTIMEOUT => $this->timeoutSeconds,
                CURLOPT_TIMEOUT => $this->downloadTimeoutSeconds,
                CURLOPT_LOW_SPEED_LIMIT => 1024,
                CURLOPT_LOW_SPEED_TIME => 30,
                CURLOPT_PROTOCOLS => CURLPROTO_HTTP | CURLPROTO_HTTPS,
            ]);
            if (curl_exec($curl) === false) {
                $error = curl_error($curl);
            }

            $status = curl_getinfo($curl, CURLINFO_RESPONSE_CODE);
            curl_close($curl);
        } finally {
            $closed = fclose($file);
            if ($error !== null || $status !== 200 || !$closed) {
                $body = $error === null && $status !== 200 ? (string) file_get_contents($temporary, length: 200) : '';
                unlink($temporary);
            }
        }

        if ($error !== null) {
            throw new \RuntimeException('Download failed: ' . $error);
        }

        if ($status !== 200) {
            throw ProblemException::fromResponse($status, $body ?? '', null);
        }

        if (!$closed || !rename($temporary, $path)) {
            @unlink($temporary);
            throw new \RuntimeException("Cannot write {$path}.");
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
     * Sends a request to the API with the token; after a 401, when the token comes from a provider, asks it for a fresh
     * one and sends the request once more.
     *
     * @param list<string> $headers
     * @return array{status: int, headers: array<string, string>, body: string}
     */
    private function send(string $method, string $path, array $headers = [], ?string $body = null): array
    {
        $token = $this->token ??= $this->provideToken();
        $response = $this->sendWith($token, $method, $path, $headers, $body);
        if ($response['status'] !== 401 || $this->tokenProvider === null) {
            return $response;
        }

        $this->token = $this->provideToken();
        return $this->sendWith($this->token, $method, $path, $headers, $body);
    }

    private function provideToken(): string
    {
        $token = ($this->tokenProvider ?? throw new \LogicException('No token provider.'))();
        return is_string($token) && $token !== '' ? $token : throw new \UnexpectedValueException('The token provider gave no token.');
    }

    /**
     * @param list<string> $headers
     * @return array{status: int, headers: array<string, string>, body: string}
     */
    private function sendWith(string $token, string $method, string $path, array $headers, ?string $body): array
    {
        $received = [];
        $curl = curl_init($this->baseUrl . $path);
        curl_setopt_array($curl, [
            CURLOPT_CUSTOMREQUEST => $method,
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_FOLLOWLOCATION => false,
            CURLOPT_TIMEOUT => $this->timeoutSeconds,
            CURLOPT_HTTPHEADER => array_merge(
                ['Authorization: Bearer ' . $token, 'Accept: application/json, application/problem+json'],
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
