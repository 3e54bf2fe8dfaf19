<?php

declare(strict_types=1);

namespace Drupal\Tests\seam_bridge\Unit;

use Drupal\seam_bridge\Signer;
use PHPUnit\Framework\TestCase;

/**
 * @coversDefaultClass \Drupal\seam_bridge\Signer
 */
final class SignerTest extends TestCase {

  private const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  private const ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
  private const TS = 1614265330;
  private const BODY = '{"test": 2432232314}';
  private const SIG = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';

  public function testStandardWebhooksVector(): void {
    $this->assertSame(self::SIG, (new Signer(self::SECRET))->sign(self::ID, self::TS, self::BODY));
  }

  public function testRustLibraryVector(): void {
    $signer = new Signer('whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD');
    $this->assertSame(
      'v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=',
      $signer->sign('msg_27UH4WbU6Z5A5EzD8u03UvzRbpk', 1649367553, '{"email":"test@example.com","username":"test_user"}')
    );
  }

  public function testSecretWithoutPrefixAndUnpaddedGiveTheSameKey(): void {
    $this->assertSame(self::SIG, (new Signer('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'))->sign(self::ID, self::TS, self::BODY));
    // "dGVzdA" is "test" without padding; "dGVzdA==" with.
    $this->assertSame('test', Signer::decodeSecret('whsec_dGVzdA'));
    $this->assertSame('test', Signer::decodeSecret('whsec_dGVzdA=='));
  }

  /**
   * @dataProvider badSecrets
   */
  public function testBadSecretsAreRefused(string $secret): void {
    $this->expectException(\InvalidArgumentException::class);
    new Signer($secret);
  }

  public static function badSecrets(): array {
    return [
      'empty' => [''],
      'prefix only' => ['whsec_'],
      'not base64' => ['whsec_not*base64!'],
      'impossible length' => ['whsec_abcde'],
    ];
  }

  public function testHeaders(): void {
    $h = (new Signer(self::SECRET))->headers(self::ID, self::TS, self::BODY);
    $this->assertSame([
      'content-type' => 'application/json',
      'webhook-id' => self::ID,
      'webhook-timestamp' => '1614265330',
      'webhook-signature' => self::SIG,
    ], $h);
  }

  public function testIdWithDotIsRefused(): void {
    $this->expectException(\InvalidArgumentException::class);
    (new Signer(self::SECRET))->sign('msg_a.b', self::TS, self::BODY);
  }

  public function testVerifyAcceptsTheVectorWithinTolerance(): void {
    $s = new Signer(self::SECRET);
    $this->assertTrue($s->verify(self::ID, (string) self::TS, self::BODY, self::SIG, self::TS));
    $this->assertTrue($s->verify(self::ID, (string) self::TS, self::BODY, self::SIG, self::TS + 300));
    $this->assertTrue($s->verify(self::ID, (string) self::TS, self::BODY, self::SIG, self::TS - 300));
  }

  public function testVerifyRefusesStaleAndFutureTimestamps(): void {
    $s = new Signer(self::SECRET);
    $this->assertFalse($s->verify(self::ID, (string) self::TS, self::BODY, self::SIG, self::TS + 301));
    $this->assertFalse($s->verify(self::ID, (string) self::TS, self::BODY, self::SIG, self::TS - 301));
    $this->assertFalse($s->verify(self::ID, 'abc', self::BODY, self::SIG, self::TS));
  }

  public function testVerifyFindsTheValidEntryAmongSeveral(): void {
    $s = new Signer(self::SECRET);
    $header = 'v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,' . substr(self::SIG, 3) . ' ' . self::SIG;
    $this->assertTrue($s->verify(self::ID, (string) self::TS, self::BODY, $header, self::TS));
  }

  public function testVerifyIgnoresOtherVersionsAndPartialSignatures(): void {
    $s = new Signer(self::SECRET);
    $this->assertFalse($s->verify(self::ID, (string) self::TS, self::BODY, 'v2,' . substr(self::SIG, 3), self::TS));
    $this->assertFalse($s->verify(self::ID, (string) self::TS, self::BODY, 'v1,', self::TS));
    $this->assertFalse($s->verify(self::ID, (string) self::TS, self::BODY, substr(self::SIG, 0, 8), self::TS));
    $this->assertFalse($s->verify(self::ID, (string) self::TS, self::BODY, '', self::TS));
  }

  public function testVerifyRefusesChangedBodyIdOrSecret(): void {
    $s = new Signer(self::SECRET);
    $this->assertFalse($s->verify(self::ID, (string) self::TS, '{"test": 2432232315}', self::SIG, self::TS));
    $this->assertFalse($s->verify('msg_other', (string) self::TS, self::BODY, self::SIG, self::TS));
    $other = new Signer('whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD');
    $this->assertFalse($other->verify(self::ID, (string) self::TS, self::BODY, self::SIG, self::TS));
  }

  public function testNewMessageIdIsAUuid4AndUnique(): void {
    $a = Signer::newMessageId();
    $b = Signer::newMessageId();
    $this->assertMatchesRegularExpression('/^msg_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/', $a);
    $this->assertNotSame($a, $b);
  }

}
