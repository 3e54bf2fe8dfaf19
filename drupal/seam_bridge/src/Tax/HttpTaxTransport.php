<?php

declare(strict_types=1);

namespace Drupal\seam_bridge\Tax;

use Drupal\seam_bridge\TaxPolicy;
use Drupal\seam_bridge\TaxTransport;
use GuzzleHttp\ClientInterface;
use GuzzleHttp\Exception\ConnectException;
use GuzzleHttp\Exception\GuzzleException;

/**
 * POST {seam}/v1/tax/quote with Drupal's HTTP client (Guzzle).
 *
 * Authorization: Bearer <API key> (a seam key with scope tax:quote). The
 * whole call, connection included, is limited to the policy's timeout;
 * redirects are not followed; any status is handed back to TaxQuoter,
 * which reads 200 as a quote and anything else as a refusal. No answer
 * (not configured, connection refused, timeout, a body over 1 MiB) is a
 * \RuntimeException with a one-line reason that names the URL, never the
 * key.
 */
final class HttpTaxTransport implements TaxTransport {

  private const MAX_BODY = 1048576;

  /**
   * @param \GuzzleHttp\ClientInterface $httpClient
   *   Drupal's http_client.
   * @param string|null $url
   *   TaxPolicy::quoteUrl() of the base URL (NULL: not configured).
   * @param string|null $key
   *   The API key (NULL: not found where the settings say).
   * @param string $keyWhere
   *   Where the key is looked up, for the reason ("settings.php
   *   $settings['seam_bridge_api_key']").
   * @param float $timeout
   *   Seconds for the whole call.
   */
  public function __construct(
    private readonly ClientInterface $httpClient,
    private readonly ?string $url,
    #[\SensitiveParameter] private readonly ?string $key,
    private readonly string $keyWhere,
    private readonly float $timeout,
  ) {}

  /**
   * {@inheritdoc}
   */
  public function post(string $json): array {
    if ($this->url === NULL) {
      throw new \RuntimeException('seam tax is not configured: the seam base URL is not set');
    }
    if (!TaxPolicy::isUsableKey($this->key)) {
      throw new \RuntimeException(sprintf('seam tax is not configured: no usable seam API key in %s', $this->keyWhere));
    }
    try {
      $response = $this->httpClient->request('POST', $this->url, [
        'headers' => [
          'Authorization' => 'Bearer ' . $this->key,
          'Content-Type' => 'application/json',
          'Accept' => 'application/json, application/problem+json',
          'User-Agent' => 'seam_bridge (Drupal Commerce)',
        ],
        'body' => $json,
        'timeout' => $this->timeout,
        'connect_timeout' => $this->timeout,
        'allow_redirects' => FALSE,
        'http_errors' => FALSE,
      ]);
    }
    catch (ConnectException $e) {
      // cURL error 28 is a timeout, of the connection or of the whole call.
      if (str_contains($e->getMessage(), 'cURL error 28')) {
        throw new \RuntimeException(sprintf('seam did not answer within %s s (%s)', self::seconds($this->timeout), $this->url), 0, $e);
      }
      throw new \RuntimeException(sprintf('could not connect to seam (%s): %s', $this->url, self::oneLine($e->getMessage())), 0, $e);
    }
    catch (GuzzleException $e) {
      throw new \RuntimeException(sprintf('seam did not answer (%s): %s', $this->url, self::oneLine($e->getMessage())), 0, $e);
    }
    $body = $response->getBody();
    $size = $body->getSize();
    if ($size !== NULL && $size > self::MAX_BODY) {
      throw new \RuntimeException(sprintf('seam answered HTTP %d with %d bytes, more than a quote can be (%s)', $response->getStatusCode(), $size, $this->url));
    }
    return [$response->getStatusCode(), (string) $body];
  }

  private static function seconds(float $s): string {
    return rtrim(rtrim(sprintf('%.3f', $s), '0'), '.');
  }

  private static function oneLine(string $s): string {
    // Guzzle's "cURL error 7: Failed to connect ... (see https://curl.haxx.se/...)
    // for http://..." says the URL twice: the reason already names it.
    if (preg_match('/cURL error \d+: ([^(]+)/', $s, $m)) {
      $s = $m[1];
    }
    $s = trim(preg_replace('/\s+/', ' ', $s) ?? $s);
    return strlen($s) > 300 ? substr($s, 0, 300) . '...' : $s;
  }

}
