<?php

declare(strict_types=1);

namespace Drupal\seam_bridge\Tax;

use Drupal\Component\Datetime\TimeInterface;
use Drupal\Core\Config\ConfigFactoryInterface;
use Drupal\Core\Entity\EntityTypeManagerInterface;
use Drupal\Core\Messenger\MessengerInterface;
use Drupal\Core\Session\AccountProxyInterface;
use Drupal\Core\Site\Settings;
use Drupal\Core\State\StateInterface;
use Drupal\Core\StringTranslation\StringTranslationTrait;
use Drupal\commerce_order\Entity\OrderInterface;
use Drupal\seam_bridge\SecretResolver;
use Drupal\seam_bridge\StoreMap;
use Drupal\seam_bridge\TaxOutcome;
use Drupal\seam_bridge\TaxPolicy;
use Drupal\seam_bridge\TaxQuoter;
use GuzzleHttp\ClientInterface;
use Psr\Log\LoggerInterface;

/**
 * seam's tax on Drupal Commerce orders: the Drupal side of TaxQuoter.
 *
 * Used by the tax type plugin (Plugin\Commerce\TaxType\SeamTax) during the
 * order refresh, by the checkout validation (seam_bridge_checkout_validate())
 * and by the status report. One instance per PHP request holds one
 * TaxQuoter, so a quote that failed is not tried twice in one request.
 *
 * Settings: seam_bridge.settings base_url, stores / default_store (the seam
 * store of the order's store; an unmapped store gets no seam tax) and tax.*
 * (TaxPolicy::fromConfig(), plus where the API key is read: key_source
 * "settings" or "env" and key_name; the key itself is never in config).
 *
 * What the customer sees: nothing while seam answers (an estimate says
 * "(estimate)" in the tax line); when a quote fails under the block fallback
 * an error message (MSG_BLOCKED; only to the order's own customer, as the
 * stock messages), and checkout stops before payment. Under zero_with_flag,
 * nothing: the order goes on without tax and staff see the flag
 * (seam_bridge_commerce_order_view()).
 */
final class SeamTaxService {

  use StringTranslationTrait;

  /**
   * State: the last quote call (time, ok, status or error), for the status
   * report.
   */
  public const STATE_LAST = 'seam_bridge.tax_last';

  private TaxQuoter $quoter;

  /**
   * TRUE while checkout retries a quote (its form error says it instead).
   */
  private bool $quiet = FALSE;

  /**
   * Stores already logged as entering prices with tax, in this request.
   *
   * @var array<string, bool>
   */
  private array $inclusiveLogged = [];

  public function __construct(
    private readonly ConfigFactoryInterface $configFactory,
    private readonly ClientInterface $httpClient,
    private readonly EntityTypeManagerInterface $entityTypeManager,
    private readonly MessengerInterface $messenger,
    private readonly AccountProxyInterface $currentUser,
    private readonly StateInterface $state,
    private readonly TimeInterface $time,
    private readonly LoggerInterface $logger,
  ) {
    $this->quoter = new TaxQuoter();
  }

  /**
   * The policy from the settings.
   */
  public function policy(): TaxPolicy {
    return TaxPolicy::fromConfig((array) ($this->configFactory->get('seam_bridge.settings')->get('tax') ?? []));
  }

  /**
   * The seam API key from settings.php or the environment, or NULL.
   */
  public function apiKey(): ?string {
    [$source, $name] = $this->keyLocation();
    return SecretResolver::resolve($source, $name, static fn(string $key) => Settings::get($key), static fn(string $var) => getenv($var));
  }

  /**
   * Where the key is read, for messages: "settings.php
   * $settings['seam_bridge_api_key']" or "environment variable
   * SEAM_BRIDGE_API_KEY".
   */
  public function keyWhere(): string {
    [$source, $name] = $this->keyLocation();
    return $source === SecretResolver::SOURCE_ENV ? "environment variable $name" : "settings.php \$settings['$name']";
  }

  /**
   * Whether seam's tax applies to the order: its store is mapped to a seam
   * store and does not enter prices with tax included.
   */
  public function applies(OrderInterface $order): bool {
    $store = $order->getStore();
    if (!$store) {
      return FALSE;
    }
    $config = $this->configFactory->get('seam_bridge.settings');
    $map = new StoreMap((array) ($config->get('stores') ?? []), (string) $config->get('default_store'));
    if ($map->seamStore($store->uuid()) === NULL) {
      return FALSE;
    }
    if ($store->hasField('prices_include_tax') && $store->get('prices_include_tax')->value) {
      // seam's quote adds tax on top of the amounts it is sent. Once per
      // request: every refresh of every order of the store comes here.
      if (isset($this->inclusiveLogged[$store->uuid()])) {
        return FALSE;
      }
      $this->inclusiveLogged[$store->uuid()] = TRUE;
      $this->logger->error('seam tax skipped for order @order: store @store enters prices with tax included, which seam tax does not handle.', [
        '@order' => $order->id() ?? 'new',
        '@store' => $store->label(),
      ]);
      return FALSE;
    }
    return TRUE;
  }

  /**
   * Puts seam's tax on an order being refreshed (applies() said yes).
   */
  public function apply(OrderInterface $order): TaxOutcome {
    $config = $this->configFactory->get('seam_bridge.settings');
    $map = new StoreMap((array) ($config->get('stores') ?? []), (string) $config->get('default_store'));
    $policy = $this->policy();
    $port = new OrderTaxPort($order, (string) $map->seamStore($order->getStore()->uuid()), trim((string) $config->get('tax.tax_code_field')), $this->entityTypeManager);
    $transport = new HttpTaxTransport($this->httpClient, TaxPolicy::quoteUrl((string) $config->get('base_url')), $this->apiKey(), $this->keyWhere(), $policy->timeout);
    $outcome = $this->quoter->quote($port, $transport, $policy, $this->time->getCurrentTime());

    $context = ['@order' => $order->id() ?? 'new'] + self::context($outcome->state);
    if ($outcome->called) {
      $this->state->set(self::STATE_LAST, [
        'time' => $this->time->getCurrentTime(),
        'ok' => $outcome->kind === TaxOutcome::QUOTED,
        'order' => $order->id(),
        'source' => $outcome->state['source'] ?? NULL,
        'error' => $outcome->state['reason'] ?? NULL,
      ]);
    }
    if ($outcome->kind === TaxOutcome::FAILED && $outcome->called) {
      $this->logger->warning('No tax from seam for order @order: @reason. Fallback: @fallback.', $context);
    }
    elseif ($outcome->kind === TaxOutcome::QUOTED && $outcome->result?->isEstimate()) {
      $this->logger->notice('The tax of order @order is an estimate from seam (@estimate_reason): @tax @currency.', $context);
    }
    if ($outcome->blocks() && $outcome->kind === TaxOutcome::FAILED && !$this->quiet
      && $this->currentUser->id() == $order->getCustomerId()) {
      // phpcs:ignore Drupal.Semantics.FunctionT.NotLiteralString
      $this->messenger->addError($this->t(TaxPolicy::MSG_BLOCKED), FALSE);
    }
    return $outcome;
  }

  /**
   * Checkout's last word before payment: NULL when the order may go on,
   * else the message that stops the step.
   *
   * A state that blocks (TaxPolicy::blocks()) is first asked again: the
   * order is refreshed and saved, so a customer who clicks again after seam
   * is back goes on. When that brings the tax, the step still stops once
   * (MSG_RECALCULATED) so that the customer sees the new total before
   * paying.
   *
   * @param bool $addressOnThisStep
   *   The step being left collects the address (its billing or shipping
   *   pane): an order without address yet is not held up for it.
   */
  public function checkoutBlock(OrderInterface $order, bool $addressOnThisStep): ?string {
    $state = $order->getData(TaxPolicy::DATA_KEY);
    $state = is_array($state) ? $state : NULL;
    if (!TaxPolicy::blocks($state) || ($state['status'] === TaxPolicy::STATUS_NO_ADDRESS && $addressOnThisStep)) {
      return NULL;
    }
    $order->setData(TaxPolicy::DATA_KEY, [
      'status' => TaxPolicy::STATUS_RETRY,
      'calls' => (int) ($state['calls'] ?? 0),
      'reuses' => (int) ($state['reuses'] ?? 0),
    ]);
    $order->setRefreshState(OrderInterface::REFRESH_ON_SAVE);
    $this->quiet = TRUE;
    try {
      $order->save();
    }
    finally {
      $this->quiet = FALSE;
    }
    $state = $order->getData(TaxPolicy::DATA_KEY);
    $state = is_array($state) ? $state : NULL;
    if (($state['status'] ?? NULL) === TaxPolicy::STATUS_QUOTED) {
      // phpcs:ignore Drupal.Semantics.FunctionT.NotLiteralString
      return (string) $this->t(TaxPolicy::MSG_RECALCULATED);
    }
    $message = TaxPolicy::blockedMessage($state);
    // phpcs:ignore Drupal.Semantics.FunctionT.NotLiteralString
    return $message === '' ? NULL : (string) $this->t($message);
  }

  /**
   * The staff note for an order's tax state, NULL when there is nothing to
   * say.
   *
   * @param array<string, mixed>|null $state
   *
   * @return array{0: \Drupal\Core\StringTranslation\TranslatableMarkup, 1: bool}|null
   *   The note, and whether it is a warning.
   */
  public function staffNote(?array $state): ?array {
    $c = self::context($state ?? []);
    switch ($state['status'] ?? NULL) {
      case TaxPolicy::STATUS_QUOTED:
        if (($state['source'] ?? NULL) === 'estimate') {
          return [$this->t('ESTIMATE: @tax @currency from the rate table in seam, not from the tax engine (@estimate_reason). Compare it with the tax committed for this order. Quote key @quote_key.', $c), TRUE];
        }
        return [$this->t('@tax @currency from seam (@source). Quote key @quote_key.', $c), FALSE];

      case TaxPolicy::STATUS_MISSING:
        return $state['fallback'] === TaxPolicy::FALLBACK_BLOCK
          ? [$this->t('MISSING: seam gave no tax (@reason). Checkout was stopped until it does; an order placed otherwise has no tax.', $c), TRUE]
          : [$this->t('MISSING: seam gave no tax (@reason). The order has no tax (fallback zero_with_flag): charge or absorb it.', $c), TRUE];

      case TaxPolicy::STATUS_NO_ADDRESS:
        return [$this->t('Not calculated: the order has no address.'), TRUE];
    }
    return NULL;
  }

  /**
   * Placeholders from a tax state.
   *
   * @param array<string, mixed> $state
   *
   * @return array<string, string>
   */
  private static function context(array $state): array {
    return [
      '@tax' => (string) ($state['tax'] ?? ''),
      '@currency' => (string) ($state['currency'] ?? ''),
      '@source' => (string) ($state['source'] ?? ''),
      '@estimate_reason' => (string) ($state['estimate_reason'] ?? 'no reason given'),
      '@quote_key' => (string) ($state['quote_key'] ?? ''),
      '@reason' => (string) ($state['reason'] ?? ''),
      '@fallback' => (string) ($state['fallback'] ?? ''),
    ];
  }

  /**
   * [source, name] of the API key: settings key or environment variable.
   *
   * @return array{0: string, 1: string}
   */
  private function keyLocation(): array {
    $tax = (array) ($this->configFactory->get('seam_bridge.settings')->get('tax') ?? []);
    $source = ($tax['key_source'] ?? '') === SecretResolver::SOURCE_ENV ? SecretResolver::SOURCE_ENV : SecretResolver::SOURCE_SETTINGS;
    $name = trim((string) ($tax['key_name'] ?? ''));
    if ($name === '') {
      $name = $source === SecretResolver::SOURCE_ENV ? TaxPolicy::KEY_ENV : TaxPolicy::KEY_SETTING;
    }
    return [$source, $name];
  }

}
