<?php

declare(strict_types=1);

namespace Drupal\Tests\seam_bridge\Unit;

use Drupal\seam_bridge\TaxOutcome;
use Drupal\seam_bridge\TaxPolicy;
use Drupal\seam_bridge\TaxQuoter;
use Drupal\Tests\seam_bridge\Support\FakeTaxOrder;
use Drupal\Tests\seam_bridge\Support\FakeTaxTransport;
use PHPUnit\Framework\TestCase;

/**
 * One order through several refreshes: when seam is asked, what the order
 * gets, what happens when seam does not answer.
 *
 * @coversDefaultClass \Drupal\seam_bridge\TaxQuoter
 */
final class TaxQuoterTest extends TestCase {

  private const NOW = 1800000000;

  private static function policy(string $fallback = 'block'): TaxPolicy {
    return TaxPolicy::fromConfig(['fallback' => $fallback]);
  }

  /**
   * One refresh: adjustments cleared, then the quoter.
   */
  private static function refresh(TaxQuoter $q, FakeTaxOrder $o, FakeTaxTransport $t, int $now = self::NOW, string $fallback = 'block'): TaxOutcome {
    $o->refresh();
    return $q->quote($o, $t, self::policy($fallback), $now);
  }

  private static function down(string $why = 'seam did not answer within 1.5 s (http://127.0.0.1:8893/v1/tax/quote)'): FakeTaxTransport {
    return new FakeTaxTransport(static function () use ($why): array {
      throw new \RuntimeException($why);
    });
  }

  public function testFirstRefreshAsksAndTaxesEveryLine(): void {
    $o = new FakeTaxOrder(FakeTaxOrder::usCart());
    $t = FakeTaxTransport::answering();
    $out = self::refresh(new TaxQuoter(), $o, $t);
    $this->assertSame(TaxOutcome::QUOTED, $out->kind);
    $this->assertTrue($out->called);
    $this->assertCount(1, $t->sent);
    $this->assertSame([
      '12' => [['2.90', 'CALIFORNIA', 'seam|engine', '0.0725']],
      '13' => [['0.54', 'CALIFORNIA', 'seam|engine', '0.0725']],
    ], $o->lineTax);
    $this->assertSame([['0.36', 'CALIFORNIA', 'seam|engine']], $o->shippingTax);
    $s = $o->state;
    $this->assertSame('quoted', $s['status']);
    $this->assertSame(hash('sha256', $t->sent[0] . '|2026-12-04'), $s['key']);
    $this->assertSame(FakeTaxTransport::keyOf(FakeTaxOrder::usCart()), $s['key']);
    $this->assertTrue($s['key_matches']);
    $this->assertSame('engine', $s['source']);
    $this->assertSame('3.80', $s['tax']);
    $this->assertSame('USD', $s['currency']);
    $this->assertSame(1, $s['calls']);
    $this->assertSame(0, $s['reuses']);
    $this->assertFalse($out->blocks());
  }

  public function testUnchangedCartIsNotAskedAgain(): void {
    $o = new FakeTaxOrder(FakeTaxOrder::usCart());
    $t = FakeTaxTransport::answering();
    self::refresh(new TaxQuoter(), $o, $t);
    $first = $o->lineTax;
    // Later requests (new quoters), an hour on.
    foreach ([1, 2, 3] as $n) {
      $out = self::refresh(new TaxQuoter(), $o, $t, self::NOW + 3600 * $n);
      $this->assertSame(TaxOutcome::REUSED, $out->kind);
      $this->assertFalse($out->called);
    }
    $this->assertCount(1, $t->sent);
    $this->assertSame($first, $o->lineTax, 'the same adjustments, applied again');
    $this->assertCount(1, $o->shippingTax);
    $this->assertSame(1, $o->state['calls']);
    $this->assertSame(3, $o->state['reuses']);
    $this->assertSame(self::NOW, $o->state['at']);
  }

  public function testSameCartWrittenDifferentlyIsNotAskedAgain(): void {
    $o = new FakeTaxOrder(FakeTaxOrder::usCart());
    $t = FakeTaxTransport::answering();
    self::refresh(new TaxQuoter(), $o, $t);
    $o->cart['lines'][0]['quantity'] = '2';
    $o->cart['lines'][0]['amount'] = '39.98';
    self::refresh(new TaxQuoter(), $o, $t);
    $this->assertCount(1, $t->sent);
  }

  public function testChangedQuantityAsksOnce(): void {
    $o = new FakeTaxOrder(FakeTaxOrder::usCart());
    $t = FakeTaxTransport::answering();
    self::refresh(new TaxQuoter(), $o, $t);
    $o->cart['lines'][0]['quantity'] = '3.00';
    $o->cart['lines'][0]['amount'] = '59.970000';
    $out = self::refresh(new TaxQuoter(), $o, $t);
    $this->assertSame(TaxOutcome::QUOTED, $out->kind);
    self::refresh(new TaxQuoter(), $o, $t);
    $this->assertCount(2, $t->sent);
    $this->assertSame('3', json_decode($t->sent[1], TRUE)['lines'][0]['quantity']);
    // 59.97 x 0.0725 = 4.3478 -> 4.35
    $this->assertSame('4.35', $o->lineTax['12'][0][0]);
    $this->assertSame(2, $o->state['calls']);
    $this->assertSame(1, $o->state['reuses']);
  }

  public function testChangedAddressAsksOnce(): void {
    $o = new FakeTaxOrder(FakeTaxOrder::usCart());
    $t = FakeTaxTransport::answering();
    self::refresh(new TaxQuoter(), $o, $t);
    $o->cart['ship_to']['postal_code'] = '90210';
    self::refresh(new TaxQuoter(), $o, $t);
    self::refresh(new TaxQuoter(), $o, $t);
    $this->assertCount(2, $t->sent);
  }

  public function testEstimateIsKeptAMinuteThenAskedAgain(): void {
    $o = new FakeTaxOrder(FakeTaxOrder::usCart());
    $estimate = FakeTaxTransport::answering('estimate', '0.0725', 'California');
    $out = self::refresh(new TaxQuoter(), $o, $estimate);
    $this->assertSame('estimate', $o->state['source']);
    $this->assertSame('engine_timeout', $o->state['estimate_reason']);
    $this->assertSame('California (estimate)', $o->lineTax['12'][0][1]);
    $this->assertSame('seam|estimate', $o->lineTax['12'][0][2]);
    $this->assertFalse($out->blocks(), 'an estimate is a quote');
    self::refresh(new TaxQuoter(), $o, $estimate, self::NOW + 59);
    $this->assertCount(1, $estimate->sent);
    $engine = FakeTaxTransport::answering('engine');
    $out = self::refresh(new TaxQuoter(), $o, $engine, self::NOW + 60);
    $this->assertSame(TaxOutcome::QUOTED, $out->kind);
    $this->assertCount(1, $engine->sent);
    $this->assertSame('engine', $o->state['source']);
    $this->assertSame('CALIFORNIA', $o->lineTax['12'][0][1]);
  }

  public function testNoAnswerBlocksWithNoTax(): void {
    $o = new FakeTaxOrder(FakeTaxOrder::usCart());
    $t = self::down();
    $out = self::refresh(new TaxQuoter(), $o, $t);
    $this->assertSame(TaxOutcome::FAILED, $out->kind);
    $this->assertTrue($out->called);
    $this->assertTrue($out->blocks());
    $this->assertSame([], $o->lineTax);
    $this->assertSame([], $o->shippingTax);
    $this->assertSame('missing', $o->state['status']);
    $this->assertSame('block', $o->state['fallback']);
    $this->assertFalse($o->state['seam_blocks']);
    $this->assertSame('seam did not answer within 1.5 s (http://127.0.0.1:8893/v1/tax/quote)', $o->state['reason']);
    $this->assertSame(FakeTaxTransport::keyOf(FakeTaxOrder::usCart()), $o->state['key']);
    $this->assertSame(1, $o->state['calls']);
  }

  public function testNoAnswerWithZeroWithFlag(): void {
    $o = new FakeTaxOrder(FakeTaxOrder::usCart());
    $out = self::refresh(new TaxQuoter(), $o, self::down(), self::NOW, 'zero_with_flag');
    $this->assertSame(TaxOutcome::FAILED, $out->kind);
    $this->assertFalse($out->blocks());
    $this->assertSame([], $o->lineTax);
    $this->assertSame('missing', $o->state['status']);
    $this->assertSame('zero_with_flag', $o->state['fallback']);
  }

  public function testAFailureIsNotRetriedInTheSameRequestButInTheNext(): void {
    $o = new FakeTaxOrder(FakeTaxOrder::usCart());
    $t = self::down();
    $q = new TaxQuoter();
    self::refresh($q, $o, $t);
    $out = self::refresh($q, $o, $t);
    $this->assertSame(TaxOutcome::FAILED, $out->kind);
    $this->assertFalse($out->called);
    $this->assertCount(1, $t->sent);
    $this->assertSame(1, $o->state['calls']);
    // A later PHP request, past the hold, asks again; seam is back.
    $up = FakeTaxTransport::answering();
    $out = self::refresh(new TaxQuoter(), $o, $up, self::NOW + TaxPolicy::RETRY_AFTER);
    $this->assertSame(TaxOutcome::QUOTED, $out->kind);
    $this->assertCount(1, $up->sent);
    $this->assertSame(2, $o->state['calls']);
    $this->assertCount(2, $o->lineTax);
  }

  public function testAFailureHoldsAWhileAcrossRequests(): void {
    $o = new FakeTaxOrder(FakeTaxOrder::usCart());
    $t = self::down();
    self::refresh(new TaxQuoter(), $o, $t);
    $up = FakeTaxTransport::answering();
    $out = self::refresh(new TaxQuoter(), $o, $up, self::NOW + TaxPolicy::RETRY_AFTER - 1);
    $this->assertSame(TaxOutcome::FAILED, $out->kind);
    $this->assertFalse($out->called);
    $this->assertSame([], $up->sent);
    $this->assertSame(self::NOW, $o->state['at'], 'the hold counts from the failure');
    $this->assertSame('seam did not answer within 1.5 s (http://127.0.0.1:8893/v1/tax/quote)', $o->state['reason']);
    $this->assertTrue($out->blocks());
    // A changed cart is asked at once.
    $o->cart['lines'][0]['quantity'] = '5';
    $this->assertSame(TaxOutcome::QUOTED, self::refresh(new TaxQuoter(), $o, $up, self::NOW + 1)->kind);
    $this->assertCount(1, $up->sent);
  }

  public function testTheHoldEndsAndCheckoutsRetryIsNotHeld(): void {
    $o = new FakeTaxOrder(FakeTaxOrder::usCart());
    self::refresh(new TaxQuoter(), $o, self::down());
    $up = FakeTaxTransport::answering();
    $this->assertSame(TaxOutcome::QUOTED, self::refresh(new TaxQuoter(), $o, $up, self::NOW + TaxPolicy::RETRY_AFTER)->kind);
    $o2 = new FakeTaxOrder(FakeTaxOrder::usCart());
    self::refresh(new TaxQuoter(), $o2, self::down());
    // What SeamTaxService::checkoutBlock() writes before it saves the order.
    $o2->state = ['status' => TaxPolicy::STATUS_RETRY, 'calls' => 1, 'reuses' => 0];
    $out = self::refresh(new TaxQuoter(), $o2, $up, self::NOW + 1);
    $this->assertSame(TaxOutcome::QUOTED, $out->kind);
    $this->assertSame(2, $o2->state['calls']);
  }

  public function testAFailureOfOneCartDoesNotStopAnother(): void {
    $o = new FakeTaxOrder(FakeTaxOrder::usCart());
    $calls = 0;
    $t = new FakeTaxTransport(static function (array $req, string $json) use (&$calls): array {
      if (++$calls === 1) {
        throw new \RuntimeException('could not connect to seam');
      }
      return [200, json_encode(FakeTaxTransport::quote($req, $json))];
    });
    $q = new TaxQuoter();
    self::refresh($q, $o, $t);
    $o->cart['lines'][0]['quantity'] = '1';
    $out = self::refresh($q, $o, $t);
    $this->assertSame(TaxOutcome::QUOTED, $out->kind);
    $this->assertSame(2, $calls);
  }

  /**
   * seam answers that are not a quote: [status, body, fallback] => [reason, fallback on the order].
   */
  public static function refusals(): array {
    $unavailable = json_encode(['type' => 'https://seam.dev/problems/tax-unavailable', 'title' => 'Tax unavailable', 'status' => 503, 'detail' => 'no rate for FR']);
    return [
      '503 tax-unavailable overrides zero_with_flag' => [503, $unavailable, 'zero_with_flag', 'seam answered HTTP 503: no rate for FR', 'block', TRUE],
      '503 tax-unavailable under block' => [503, $unavailable, 'block', 'seam answered HTTP 503: no rate for FR', 'block', TRUE],
      '502 from a proxy' => [502, '<html>Bad Gateway</html>', 'zero_with_flag', 'seam answered HTTP 502', 'zero_with_flag', FALSE],
      '401 bad key' => [401, json_encode(['title' => 'Unauthorized', 'detail' => 'missing or invalid API key']), 'block', 'seam answered HTTP 401: missing or invalid API key', 'block', FALSE],
      '404 store without tax' => [404, json_encode(['detail' => "store 'us' has no tax config (tax.stores)"]), 'zero_with_flag', "seam answered HTTP 404: store 'us' has no tax config (tax.stores)", 'zero_with_flag', FALSE],
      '200 that is not JSON' => [200, 'OK', 'block', "seam's answer does not fit the cart: the answer is not JSON: Syntax error", 'block', FALSE],
    ];
  }

  /**
   * @dataProvider refusals
   */
  public function testRefusals(int $status, string $body, string $fallback, string $reason, string $onOrder, bool $seamBlocks): void {
    $o = new FakeTaxOrder(FakeTaxOrder::usCart());
    $t = new FakeTaxTransport(static fn() => [$status, $body]);
    $out = self::refresh(new TaxQuoter(), $o, $t, self::NOW, $fallback);
    $this->assertSame(TaxOutcome::FAILED, $out->kind);
    $this->assertSame($reason, $o->state['reason']);
    $this->assertSame($onOrder, $o->state['fallback']);
    $this->assertSame($seamBlocks, $o->state['seam_blocks']);
    $this->assertSame([], $o->lineTax);
  }

  public function testAnAnswerMissingALineTaxesNothing(): void {
    $o = new FakeTaxOrder(FakeTaxOrder::usCart());
    $t = new FakeTaxTransport(static function (array $req, string $json): array {
      $a = FakeTaxTransport::quote($req, $json);
      array_pop($a['lines']);
      return [200, json_encode($a)];
    });
    self::refresh(new TaxQuoter(), $o, $t);
    $this->assertSame([], $o->lineTax, 'no line taxed when one is missing');
    $this->assertSame([], $o->shippingTax);
    $this->assertSame("seam's answer does not fit the cart: lines: no tax for line \"13\" of the cart", $o->state['reason']);
  }

  public function testAQuoteKeyThatDiffersIsKeptAndSaid(): void {
    $o = new FakeTaxOrder(FakeTaxOrder::usCart());
    $t = new FakeTaxTransport(static function (array $req, string $json): array {
      $a = FakeTaxTransport::quote($req, $json);
      $a['quote_key'] = str_repeat('0', 64);
      return [200, json_encode($a)];
    });
    self::refresh(new TaxQuoter(), $o, $t);
    $this->assertSame('quoted', $o->state['status']);
    $this->assertFalse($o->state['key_matches']);
    $this->assertSame(str_repeat('0', 64), $o->state['quote_key']);
    $this->assertNotSame($o->state['quote_key'], $o->state['key']);
  }

  public function testNoAddressAsksNothing(): void {
    $o = new FakeTaxOrder(NULL);
    $t = FakeTaxTransport::answering();
    $out = self::refresh(new TaxQuoter(), $o, $t);
    $this->assertSame(TaxOutcome::NO_ADDRESS, $out->kind);
    $this->assertSame([], $t->sent);
    $this->assertSame([], $o->lineTax);
    $this->assertSame('no_address', $o->state['status']);
    $this->assertTrue($out->blocks(), 'under block, no address keeps the order from being placed');
    $this->assertFalse(self::refresh(new TaxQuoter(), $o, $t, self::NOW, 'zero_with_flag')->blocks());
  }

  public function testACartThatCannotBeQuotedIsAFailureWithoutACall(): void {
    $cart = FakeTaxOrder::usCart();
    $cart['lines'][0]['tax_code'] = str_repeat('P', 30);
    $o = new FakeTaxOrder($cart);
    $t = FakeTaxTransport::answering();
    $out = self::refresh(new TaxQuoter(), $o, $t);
    $this->assertSame(TaxOutcome::FAILED, $out->kind);
    $this->assertFalse($out->called);
    $this->assertSame([], $t->sent);
    $this->assertNull($o->state['key']);
    $this->assertStringStartsWith('the cart cannot be quoted: lines[0].tax_code', $o->state['reason']);
    $this->assertSame(0, $o->state['calls']);
  }

  public function testAKeptAnswerThatNoLongerReadsIsAskedAgain(): void {
    $o = new FakeTaxOrder(FakeTaxOrder::usCart());
    $t = FakeTaxTransport::answering();
    self::refresh(new TaxQuoter(), $o, $t);
    $o->state['answer']['lines'] = [];
    $out = self::refresh(new TaxQuoter(), $o, $t);
    $this->assertSame(TaxOutcome::QUOTED, $out->kind);
    $this->assertCount(2, $t->sent);
  }

  public function testZeroDecimalCurrency(): void {
    $cart = FakeTaxOrder::usCart();
    $cart['currency'] = 'JPY';
    $cart['lines'] = [['id' => '1', 'quantity' => '1', 'amount' => '1999']];
    unset($cart['shipping']);
    $o = new FakeTaxOrder($cart, 0);
    $t = new FakeTaxTransport(static function (array $req, string $json): array {
      $a = FakeTaxTransport::quote($req, $json, 'engine', '0.1');
      // The engine's unrounded tax.
      $a['lines'][0]['tax'] = '199.9';
      return [200, json_encode($a)];
    });
    self::refresh(new TaxQuoter(), $o, $t);
    $this->assertSame('200', $o->lineTax['1'][0][0]);
    $this->assertSame('200', $o->state['tax']);
  }

}
