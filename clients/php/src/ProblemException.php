<?php

declare(strict_types=1);

namespace Reports\Client;

/**
 * A failed call: the API's problem document (RFC 9457) with the HTTP status, and for 429 and 503 the seconds the
 * server asked to wait. Branch on $type (stable), never on $title or $detail.
 */
final class ProblemException extends \RuntimeException
{
    /**
     * @param array<string, list<string>> $errors each invalid field (JSON path, query parameter or header name) with its messages
     */
    public function __construct(
        public readonly int $status,
        public readonly string $type,
        public readonly string $title,
        public readonly ?string $detail = null,
        public readonly ?string $instance = null,
        public readonly ?string $traceId = null,
        public readonly array $errors = [],
        public readonly ?int $retryAfterSeconds = null,
    ) {
        parent::__construct($status . ' ' . $title . ($detail !== null ? ': ' . $detail : ''), $status);
    }

    /** The problem of a failed answer; a body that is not a problem document (a proxy's page) still gives one. */
    public static function fromResponse(int $status, string $body, ?int $retryAfterSeconds): self
    {
        $problem = json_decode($body, true);
        if (!is_array($problem) || !is_string($problem['type'] ?? null) || !is_string($problem['title'] ?? null)) {
            return new self($status, 'about:blank', 'HTTP ' . $status, $body === '' ? null : substr($body, 0, 200), retryAfterSeconds: $retryAfterSeconds);
        }

        $errors = [];
        foreach (is_array($problem['errors'] ?? null) ? $problem['errors'] : [] as $field => $messages) {
            $errors[(string) $field] = array_values(array_map('strval', (array) $messages));
        }

        return new self(
            $status,
            $problem['type'],
            $problem['title'],
            is_string($problem['detail'] ?? null) ? $problem['detail'] : null,
            is_string($problem['instance'] ?? null) ? $problem['instance'] : null,
            is_string($problem['traceId'] ?? null) ? $problem['traceId'] : null,
            $errors,
            $retryAfterSeconds,
        );
    }
}
