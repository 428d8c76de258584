<?php

declare(strict_types=1);

// The client against a running API and worker (run by Reports.Tests/Clients/ClientTests.cs):
// REPORTS_URL, REPORTS_KEY (a user key), REPORTS_FROM and REPORTS_TO (an orders report's days).
// The webhook goes to `php -S` running test/receiver.php (WebhookController::handle). Prints one "RESULT {json}"
// line for the C# test and ends with "OK"; any failed check prints "FAIL: …" and exits 1.
require __DIR__ . '/../src/autoload.php';

use Reports\Client\ProblemException;
use Reports\Client\ReportsClient;
use Reports\Client\WebhookSignature;

function env(string $name): string
{
    $value = getenv($name);
    if ($value === false || $value === '') {
        throw new RuntimeException("{$name} is not set.");
    }

    return $value;
}

function check(bool $condition, string $message): void
{
    if (!$condition) {
        throw new RuntimeException($message);
    }
}

function expectProblem(callable $call, int $status): ProblemException
{
    try {
        $call();
    } catch (ProblemException $e) {
        check($e->status === $status, "expected {$status}, got {$e->status}: {$e->getMessage()}");
        return $e;
    }

    throw new RuntimeException("expected a {$status} problem, the call succeeded");
}

/** POSTs to the receiver as a worker would; returns the status code. */
function post(string $url, string $body, array $headers): int
{
    $curl = curl_init($url);
    curl_setopt_array($curl, [
        CURLOPT_POST => true,
        CURLOPT_POSTFIELDS => $body,
        CURLOPT_RETURNTRANSFER => true,
        CURLOPT_TIMEOUT => 30,
        CURLOPT_HTTPHEADER => array_merge(['Content-Type: application/json', 'Expect:'], array_map(
            static fn (string $name, string $value): string => "{$name}: {$value}", array_keys($headers), $headers)),
    ]);
    curl_exec($curl);
    $status = curl_getinfo($curl, CURLINFO_RESPONSE_CODE);
    curl_close($curl);

    return $status;
}

/** @return list<array<string, mixed>> */
function spooled(string $spool): array
{
    $lines = is_file($spool) ? file($spool, FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES) : [];
    return array_map(static fn (string $line): array => json_decode($line, true, 64, JSON_THROW_ON_ERROR), $lines ?: []);
}

function freePort(): int
{
    $socket = stream_socket_server('tcp://127.0.0.1:0') ?: throw new RuntimeException('no free port');
    $name = stream_socket_get_name($socket, false);
    fclose($socket);

    return (int) substr($name, strrpos($name, ':') + 1);
}

$deadline = microtime(true) + 240;
$receiver = null;
$folder = sys_get_temp_dir() . '/reports-php-client-' . bin2hex(random_bytes(6));
mkdir($folder);
try {
    $client = new ReportsClient(env('REPORTS_URL'), env('REPORTS_KEY'));
    $parameters = ['from' => env('REPORTS_FROM'), 'to' => env('REPORTS_TO')];
    $secret = $client->webhookSecret();
    check(str_starts_with($secret, 'whsec_'), 'unexpected secret ' . substr($secret, 0, 6) . '…');

    // The application's webhook endpoint: `php -S` running the controller-sized function, with the shared secret.
    $spool = $folder . '/deliveries.jsonl';
    $port = freePort();
    $receiver = proc_open(
        [PHP_BINARY, '-S', "127.0.0.1:{$port}", __DIR__ . '/receiver.php'],
        [0 => ['file', '/dev/null', 'r'], 1 => ['file', $folder . '/server.log', 'a'], 2 => ['file', $folder . '/server.log', 'a']],
        $pipes,
        $folder,
        array_merge(getenv(), ['REPORTS_WEBHOOK_SECRET' => $secret, 'REPORTS_WEBHOOK_SPOOL' => $spool]),
    );
    check(is_resource($receiver), 'php -S did not start');
    while (($probe = @fsockopen('127.0.0.1', $port, $errno, $errstr, 1)) === false) {
        check(proc_get_status($receiver)['running'] && microtime(true) < $deadline, 'php -S is not listening: ' . @file_get_contents($folder . '/server.log'));
        usleep(50_000);
    }
    fclose($probe);
    $hookUrl = "http://127.0.0.1:{$port}/hooks/reports";

    // Create with an Idempotency-Key; the same request with the same key answers the same report, marked replayed.
    $key = 'php-client-' . bin2hex(random_bytes(8));
    $request = ['type' => 'orders', 'format' => 'csv', 'parameters' => $parameters, 'webhookUrl' => $hookUrl];
    $created = $client->createReport($request, $key);
    check(!$created['replayed'], 'the first create was marked replayed');
    check($created['report']['status'] === 'queued', 'first create: status ' . $created['report']['status']);
    check(str_ends_with($created['location'], '/api/reports/' . $created['report']['id']), 'Location ' . $created['location']);
    $again = $client->createReport($request, $key);
    check($again['replayed'], 'the second create with the same key is not marked Idempotent-Replayed');
    check($again['report']['id'] === $created['report']['id'], "the second create answered {$again['report']['id']}");
    $id = $created['report']['id'];

    // Problems come back as exceptions with the document's fields.
    $reused = expectProblem(fn () => $client->createReport(['format' => 'ndjson'] + $request, $key), 422);
    check(str_starts_with($reused->type, 'https://') && $reused->traceId !== null, '422 problem without type or traceId');
    $missing = expectProblem(fn () => $client->getReport('00000000-0000-0000-0000-000000000001'), 404);
    check($missing->title !== '', '404 problem without a title');
    $invalid = expectProblem(fn () => $client->createReport(['type' => 'orders', 'parameters' => ['from' => 'not a day']], 'php-bad-' . bin2hex(random_bytes(8))), 400);
    check($invalid->errors !== [], '400 problem without errors');

    // Follow progress by polling to the final state.
    $states = [];
    $final = $client->waitForReport($id, 0.2, 2.0, function (array $report) use (&$states): void {
        $states[] = $report['status'];
    }, 180);
    check($final['status'] === 'succeeded', 'final status ' . $final['status'] . ': ' . json_encode($final['error'] ?? null));

    // Download through the signed URL (302 from the API, then blob storage without the key).
    $signedUrl = $client->downloadUrl($id);
    check(!str_starts_with($signedUrl, env('REPORTS_URL')), "the download URL is the API's own: {$signedUrl}");
    $path = $folder . '/report.csv';
    $size = $client->downloadTo($id, $path);
    $sha256 = hash_file('sha256', $path);
    check($sha256 === $final['file']['sha256'], "downloaded sha256 {$sha256}, the report says {$final['file']['sha256']}");
    check($size === (int) $final['file']['sizeBytes'], "downloaded {$size} bytes, the report says {$final['file']['sizeBytes']}");
    $csv = fopen($path, 'rb');
    $header = fgetcsv($csv, escape: '');
    $rows = 0;
    while (fgetcsv($csv, escape: '') !== false) {
        $rows++;
    }
    fclose($csv);

    // The worker's signed webhook, verified by the controller in php -S.
    while (($deliveries = spooled($spool)) === []) {
        check(microtime(true) < $deadline, 'no webhook arrived: ' . @file_get_contents($folder . '/server.log'));
        usleep(100_000);
    }
    $delivery = $deliveries[0];
    check($delivery['status'] === 200, 'the controller refused the real delivery: ' . json_encode($delivery['answer']));
    check($delivery['answer']['report'] === $id && $delivery['answer']['event'] === 'report.succeeded', 'answer ' . json_encode($delivery['answer']));
    $body = base64_decode($delivery['body'], true);
    $signature = $delivery['headers']['reports-signature'];
    check(WebhookSignature::verify($body, $signature, $secret), 'the library does not verify the real delivery');

    // Tampered, stale and unsigned deliveries sent to the same controller are refused with 400.
    $tampered = post($hookUrl, $body . ' ', ['Reports-Signature' => $signature]);
    check($tampered === 400, "a tampered body got {$tampered}");
    $stale = post($hookUrl, $body, ['Reports-Signature' => WebhookSignature::sign($body, $secret, time() - 600)]);
    check($stale === 400, "a 10-minute-old signature got {$stale}");
    $unsigned = post($hookUrl, $body, []);
    check($unsigned === 400, "an unsigned delivery got {$unsigned}");
    $otherSecret = post($hookUrl, $body, ['Reports-Signature' => WebhookSignature::sign($body, $secret . 'x', time())]);
    check($otherSecret === 400, "a delivery signed with another secret got {$otherSecret}");
    $resent = post($hookUrl, $body, ['Reports-Signature' => $signature]);
    check($resent === 200, "the real delivery sent again within the tolerance got {$resent}");
    $answers = array_map(static fn (array $d): string => $d['answer']['error'] ?? 'ok', array_slice(spooled($spool), -5));
    check($answers === ['signature_mismatch', 'signature_stale', 'signature_malformed', 'signature_mismatch', 'ok'], 'answers ' . json_encode($answers));
    preg_match('/t=(\d+)/', $signature, $t);
    check(WebhookSignature::failure($body, $signature, $secret, now: (int) $t[1] + 301) === 'stale', 'the real delivery still verified 301 s later');

    echo 'RESULT ' . json_encode([
        'reportId' => $id,
        'replayedId' => $again['report']['id'],
        'polls' => count($states),
        'sha256' => $sha256,
        'header' => $header,
        'rows' => $rows,
        'rowsWritten' => $final['progress']['rowsWritten'],
        'webhookEvent' => $delivery['answer']['event'],
        'webhookStatus' => $delivery['status'],
    ], JSON_THROW_ON_ERROR) . "\n";
    echo "OK\n";
    $exit = 0;
} catch (Throwable $e) {
    echo 'FAIL: ' . $e->getMessage() . "\n" . $e->getTraceAsString() . "\n";
    $exit = 1;
} finally {
    if (is_resource($receiver)) {
        proc_terminate($receiver);
        proc_close($receiver);
    }

    foreach (glob($folder . '/*') ?: [] as $file) {
        unlink($file);
    }
    @rmdir($folder);
}

exit($exit);
