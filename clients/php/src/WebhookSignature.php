<?php

declare(strict_types=1);

namespace Reports\Client;

/**
 * The Reports-Signature header of a webhook delivery: "t=<unix seconds>,v1=<hex HMAC-SHA256>" over "<t>." followed by
 * the raw body, keyed with the owner's secret (all of "whsec_…"). Verify the raw body before parsing it.
 */
final class WebhookSignature
{
    public const HEADER = 'Reports-Signature';
    public const DELIVERY_HEADER = 'Reports-Delivery';
    public const EVENT_HEADER = 'Reports-Event';

    /** How far t may be from now: the README's 5 minutes. */
    public const DEFAULT_TOLERANCE_SECONDS = 300;

    /** Why a delivery does not verify ('malformed', 'stale', 'mismatch'), or null when it does. */
    public static function failure(string $rawBody, ?string $header, string $secret, int $toleranceSeconds = self::DEFAULT_TOLERANCE_SECONDS, ?int $now = null): ?string
    {
        $timestamp = null;
        $signatures = [];
        foreach (explode(',', $header ?? '') as $part) {
            [$key, $value] = array_map('trim', explode('=', $part, 2)) + [1 => ''];
            if ($key === 't' && preg_match('/^\d{1,12}$/', $value) === 1) {
                $timestamp = (int) $value;
            } elseif ($key === 'v1' && preg_match('/^[0-9a-f]{64}$/', $value) === 1) {
                $signatures[] = $value;
            }
        }

        if ($timestamp === null || $signatures === []) {
            return 'malformed';
        }

        if (abs(($now ?? time()) - $timestamp) > $toleranceSeconds) {
            return 'stale';
        }

        $expected = hash_hmac('sha256', $timestamp . '.' . $rawBody, $secret);
        foreach ($signatures as $signature) {
            if (hash_equals($expected, $signature)) {
                return null;
            }
        }

        return 'mismatch';
    }

    public static function verify(string $rawBody, ?string $header, string $secret, int $toleranceSeconds = self::DEFAULT_TOLERANCE_SECONDS, ?int $now = null): bool
    {
        return self::failure($rawBody, $header, $secret, $toleranceSeconds, $now) === null;
    }

    /** The header as a worker writes it, for tests of a receiver. */
    public static function sign(string $rawBody, string $secret, int $timestamp): string
    {
        return 't=' . $timestamp . ',v1=' . hash_hmac('sha256', $timestamp . '.' . $rawBody, $secret);
    }
}
