<?php

declare(strict_types=1);

// A PHP application's webhook endpoint for `php -S 127.0.0.1:PORT receiver.php` (run by client_test.php): the
// controller-sized function on the raw request, and one JSON line per request in REPORTS_WEBHOOK_SPOOL.
require __DIR__ . '/../src/autoload.php';

use Reports\Client\WebhookController;

$rawBody = (string) file_get_contents('php://input');
$headers = getallheaders();
[$status, $answer] = WebhookController::handle($rawBody, $headers, (string) getenv('REPORTS_WEBHOOK_SECRET'));

file_put_contents((string) getenv('REPORTS_WEBHOOK_SPOOL'), json_encode([
    'status' => $status,
    'answer' => $answer,
    'headers' => array_change_key_case($headers, CASE_LOWER),
    'body' => base64_encode($rawBody),
], JSON_THROW_ON_ERROR) . "\n", FILE_APPEND | LOCK_EX);

http_response_code($status);
header('Content-Type: application/json');
echo json_encode($answer, JSON_THROW_ON_ERROR);
