<?php

declare(strict_types=1);

// For callers without Composer: require this file. With Composer, composer.json's PSR-4 autoload does the same.
spl_autoload_register(static function (string $class): void {
    $prefix = 'Reports\\Client\\';
    if (str_starts_with($class, $prefix)) {
        $file = __DIR__ . '/' . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
        if (is_file($file)) {
            require $file;
        }
    }
});
