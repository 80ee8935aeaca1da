;; Iterated SHA-256 / SHA-224 / SHA-1 for the inner loop of the RFC 7292 appendix B KDF: H(H(...H(x))).
;; The source of src/pkcs12/sha-iterate-wasm.ts (run `npm run build:wasm` after editing; a test checks they agree).
;; Why WebAssembly and why by hand: see sha-iterate.ts.
;;
;; Every iteration hashes exactly one digest, i.e. one block holding the digest, the 0x80 padding bit, zeros and
;; the length in bits, so the block is built in place from H and nothing else is read.
;; Memory layout (byte offsets; words are i32 values, written and read by the host as numbers):
;;   0    K: the 64 SHA-256 round constants (written by the host)
;;   256  H: the digest being iterated (8 words for SHA-256, 7 for SHA-224, 5 for SHA-1)
;;   288  W: the message schedule (64 words for SHA-256, 80 for SHA-1)
;;   608  the SHA-256 initial hash value, 640 the SHA-224 one (written by the host)
;; and for the SHA-512 family, in 64-bit words:
;;   1024 K: the 80 SHA-512 round constants (written by the host)
;;   1664 H: the digest being iterated (8 words for SHA-512, 6 for SHA-384, 4 for SHA-512/256)
;;   1728 W: the message schedule (80 words)
;;   2368 the SHA-512 initial hash value, 2432 the SHA-384 one, 2496 the SHA-512/256 one (written by the host)
(module
  (memory (export "memory") 1)

  ;; Replaces H with SHA-256(H) `count` times; `words` is 8 (SHA-256) or 7 (SHA-224), `iv` the offset of its
  ;; initial hash value. The input is one block: the digest, 0x80 padding and its bit length.
  (func (export "sha256") (param $count i32) (param $words i32) (param $iv i32)
    (local $i i32) (local $x i32) (local $y i32) (local $t1 i32) (local $t2 i32)
    (local $a i32) (local $b i32) (local $c i32) (local $d i32)
    (local $e i32) (local $f i32) (local $g i32) (local $h i32)
    (block $done
      (loop $iteration
        (br_if $done (i32.eqz (local.get $count)))
        ;; W[0..16): the digest, the padding bit, zeros, the length in bits
        (local.set $i (i32.const 0))
        (loop $copy
          (i32.store offset=288 (local.get $i) (i32.load offset=256 (local.get $i)))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br_if $copy (i32.lt_u (local.get $i) (i32.shl (local.get $words) (i32.const 2)))))
        (i32.store offset=288 (local.get $i) (i32.const 0x80000000))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (block $zeroed
          (loop $zero
            (br_if $zeroed (i32.ge_u (local.get $i) (i32.const 60)))
            (i32.store offset=288 (local.get $i) (i32.const 0))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $zero)))
        (i32.store offset=348 (i32.const 0) (i32.shl (local.get $words) (i32.const 5)))
        ;; W[16..64)
        (local.set $i (i32.const 64))
        (loop $schedule
          (local.set $x (i32.load offset=228 (local.get $i))) ;; W[i-15]: 288 - 60
          (local.set $y (i32.load offset=280 (local.get $i))) ;; W[i-2]: 288 - 8
          (i32.store offset=288 (local.get $i)
            (i32.add
              (i32.add (i32.load offset=224 (local.get $i)) (i32.load offset=260 (local.get $i))) ;; W[i-16] + W[i-7]
              (i32.add
                (i32.xor (i32.xor (i32.rotr (local.get $x) (i32.const 7)) (i32.rotr (local.get $x) (i32.const 18)))
                  (i32.shr_u (local.get $x) (i32.const 3)))
                (i32.xor (i32.xor (i32.rotr (local.get $y) (i32.const 17)) (i32.rotr (local.get $y) (i32.const 19)))
                  (i32.shr_u (local.get $y) (i32.const 10))))))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br_if $schedule (i32.lt_u (local.get $i) (i32.const 256))))
        (local.set $a (i32.load offset=0 (local.get $iv)))
        (local.set $b (i32.load offset=4 (local.get $iv)))
        (local.set $c (i32.load offset=8 (local.get $iv)))
        (local.set $d (i32.load offset=12 (local.get $iv)))
        (local.set $e (i32.load offset=16 (local.get $iv)))
        (local.set $f (i32.load offset=20 (local.get $iv)))
        (local.set $g (i32.load offset=24 (local.get $iv)))
        (local.set $h (i32.load offset=28 (local.get $iv)))
        (local.set $i (i32.const 0))
        (loop $round
          ;; t1 = h + S1(e) + Ch(e, f, g) + K[i] + W[i]
          (local.set $t1
            (i32.add
              (i32.add (local.get $h)
                (i32.xor (i32.xor (i32.rotr (local.get $e) (i32.const 6)) (i32.rotr (local.get $e) (i32.const 11)))
                  (i32.rotr (local.get $e) (i32.const 25))))
              (i32.add
                (i32.xor (local.get $g) (i32.and (local.get $e) (i32.xor (local.get $f) (local.get $g))))
                (i32.add (i32.load offset=0 (local.get $i)) (i32.load offset=288 (local.get $i))))))
          ;; t2 = S0(a) + Maj(a, b, c)
          (local.set $t2
            (i32.add
              (i32.xor (i32.xor (i32.rotr (local.get $a) (i32.const 2)) (i32.rotr (local.get $a) (i32.const 13)))
                (i32.rotr (local.get $a) (i32.const 22)))
              (i32.or (i32.and (local.get $a) (local.get $b))
                (i32.and (local.get $c) (i32.or (local.get $a) (local.get $b))))))
          (local.set $h (local.get $g))
          (local.set $g (local.get $f))
          (local.set $f (local.get $e))
          (local.set $e (i32.add (local.get $d) (local.get $t1)))
          (local.set $d (local.get $c))
          (local.set $c (local.get $b))
          (local.set $b (local.get $a))
          (local.set $a (i32.add (local.get $t1) (local.get $t2)))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br_if $round (i32.lt_u (local.get $i) (i32.const 256))))
        (i32.store offset=256 (i32.const 0) (i32.add (local.get $a) (i32.load offset=0 (local.get $iv))))
        (i32.store offset=260 (i32.const 0) (i32.add (local.get $b) (i32.load offset=4 (local.get $iv))))
        (i32.store offset=264 (i32.const 0) (i32.add (local.get $c) (i32.load offset=8 (local.get $iv))))
        (i32.store offset=268 (i32.const 0) (i32.add (local.get $d) (i32.load offset=12 (local.get $iv))))
        (i32.store offset=272 (i32.const 0) (i32.add (local.get $e) (i32.load offset=16 (local.get $iv))))
        (i32.store offset=276 (i32.const 0) (i32.add (local.get $f) (i32.load offset=20 (local.get $iv))))
        (i32.store offset=280 (i32.const 0) (i32.add (local.get $g) (i32.load offset=24 (local.get $iv))))
        (i32.store offset=284 (i32.const 0) (i32.add (local.get $h) (i32.load offset=28 (local.get $iv))))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br $iteration))))

;; Replaces H with SHA-512(H) `count` times, or SHA-384 / SHA-512/256 with their initial hash values: `words` is the
  ;; digest's length in 64-bit words (8, 6 or 4), `iv` the offset of the initial hash value. One block, as above, with
  ;; a 128-bit length field.
  (func (export "sha512") (param $count i32) (param $words i32) (param $iv i32)
    (local $i i32) (local $x i64) (local $y i64) (local $t1 i64) (local $t2 i64)
    (local $a i64) (local $b i64) (local $c i64) (local $d i64)
    (local $e i64) (local $f i64) (local $g i64) (local $h i64)
    (block $done
      (loop $iteration
        (br_if $done (i32.eqz (local.get $count)))
        ;; W[0..16): the digest, the padding bit, zeros, the length in bits
        (local.set $i (i32.const 0))
        (loop $copy
          (i64.store offset=1728 (local.get $i) (i64.load offset=1664 (local.get $i)))
          (local.set $i (i32.add (local.get $i) (i32.const 8)))
          (br_if $copy (i32.lt_u (local.get $i) (i32.shl (local.get $words) (i32.const 3)))))
        (i64.store offset=1728 (local.get $i) (i64.const 0x8000000000000000))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (block $zeroed
          (loop $zero
            (br_if $zeroed (i32.ge_u (local.get $i) (i32.const 120)))
            (i64.store offset=1728 (local.get $i) (i64.const 0))
            (local.set $i (i32.add (local.get $i) (i32.const 8)))
            (br $zero)))
        (i64.store offset=1848 (i32.const 0) (i64.extend_i32_u (i32.shl (local.get $words) (i32.const 6))))
        ;; W[16..80)
        (local.set $i (i32.const 128))
        (loop $schedule
          (local.set $x (i64.load offset=1608 (local.get $i))) ;; W[i-15]: 1728 - 120
          (local.set $y (i64.load offset=1712 (local.get $i))) ;; W[i-2]: 1728 - 16
          (i64.store offset=1728 (local.get $i)
            (i64.add
              (i64.add (i64.load offset=1600 (local.get $i)) (i64.load offset=1672 (local.get $i))) ;; W[i-16] + W[i-7]
              (i64.add
                (i64.xor (i64.xor (i64.rotr (local.get $x) (i64.const 1)) (i64.rotr (local.get $x) (i64.const 8)))
                  (i64.shr_u (local.get $x) (i64.const 7)))
                (i64.xor (i64.xor (i64.rotr (local.get $y) (i64.const 19)) (i64.rotr (local.get $y) (i64.const 61)))
                  (i64.shr_u (local.get $y) (i64.const 6))))))
          (local.set $i (i32.add (local.get $i) (i32.const 8)))
          (br_if $schedule (i32.lt_u (local.get $i) (i32.const 640))))
        (local.set $a (i64.load offset=0 (local.get $iv)))
        (local.set $b (i64.load offset=8 (local.get $iv)))
        (local.set $c (i64.load offset=16 (local.get $iv)))
        (local.set $d (i64.load offset=24 (local.get $iv)))
        (local.set $e (i64.load offset=32 (local.get $iv)))
        (local.set $f (i64.load offset=40 (local.get $iv)))
        (local.set $g (i64.load offset=48 (local.get $iv)))
        (local.set $h (i64.load offset=56 (local.get $iv)))
        (local.set $i (i32.const 0))
        (loop $round
          ;; t1 = h + S1(e) + Ch(e, f, g) + K[i] + W[i]
          (local.set $t1
            (i64.add
              (i64.add (local.get $h)
                (i64.xor (i64.xor (i64.rotr (local.get $e) (i64.const 14)) (i64.rotr (local.get $e) (i64.const 18)))
                  (i64.rotr (local.get $e) (i64.const 41))))
              (i64.add
                (i64.xor (local.get $g) (i64.and (local.get $e) (i64.xor (local.get $f) (local.get $g))))
                (i64.add (i64.load offset=1024 (local.get $i)) (i64.load offset=1728 (local.get $i))))))
          ;; t2 = S0(a) + Maj(a, b, c)
          (local.set $t2
            (i64.add
              (i64.xor (i64.xor (i64.rotr (local.get $a) (i64.const 28)) (i64.rotr (local.get $a) (i64.const 34)))
                (i64.rotr (local.get $a) (i64.const 39)))
              (i64.or (i64.and (local.get $a) (local.get $b))
                (i64.and (local.get $c) (i64.or (local.get $a) (local.get $b))))))
          (local.set $h (local.get $g))
          (local.set $g (local.get $f))
          (local.set $f (local.get $e))
          (local.set $e (i64.add (local.get $d) (local.get $t1)))
          (local.set $d (local.get $c))
          (local.set $c (local.get $b))
          (local.set $b (local.get $a))
          (local.set $a (i64.add (local.get $t1) (local.get $t2)))
          (local.set $i (i32.add (local.get $i) (i32.const 8)))
          (br_if $round (i32.lt_u (local.get $i) (i32.const 640))))
        ;; All eight words are written; the next iteration reads the first `words`, the host the digest's bytes.
        (i64.store offset=1664 (i32.const 0) (i64.add (local.get $a) (i64.load offset=0 (local.get $iv))))
        (i64.store offset=1672 (i32.const 0) (i64.add (local.get $b) (i64.load offset=8 (local.get $iv))))
        (i64.store offset=1680 (i32.const 0) (i64.add (local.get $c) (i64.load offset=16 (local.get $iv))))
        (i64.store offset=1688 (i32.const 0) (i64.add (local.get $d) (i64.load offset=24 (local.get $iv))))
        (i64.store offset=1696 (i32.const 0) (i64.add (local.get $e) (i64.load offset=32 (local.get $iv))))
        (i64.store offset=1704 (i32.const 0) (i64.add (local.get $f) (i64.load offset=40 (local.get $iv))))
        (i64.store offset=1712 (i32.const 0) (i64.add (local.get $g) (i64.load offset=48 (local.get $iv))))
        (i64.store offset=1720 (i32.const 0) (i64.add (local.get $h) (i64.load offset=56 (local.get $iv))))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br $iteration))))

  ;; Replaces the 5-word H with SHA-1(H) `count` times.
  (func (export "sha1") (param $count i32)
    (local $i i32) (local $t i32) (local $a i32) (local $b i32) (local $c i32) (local $d i32) (local $e i32)
    (block $done
      (loop $iteration
        (br_if $done (i32.eqz (local.get $count)))
        (i32.store offset=288 (i32.const 0) (i32.load offset=256 (i32.const 0)))
        (i32.store offset=292 (i32.const 0) (i32.load offset=260 (i32.const 0)))
        (i32.store offset=296 (i32.const 0) (i32.load offset=264 (i32.const 0)))
        (i32.store offset=300 (i32.const 0) (i32.load offset=268 (i32.const 0)))
        (i32.store offset=304 (i32.const 0) (i32.load offset=272 (i32.const 0)))
        (i32.store offset=308 (i32.const 0) (i32.const 0x80000000))
        (local.set $i (i32.const 24))
        (loop $zero
          (i32.store offset=288 (local.get $i) (i32.const 0))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br_if $zero (i32.lt_u (local.get $i) (i32.const 60))))
        (i32.store offset=348 (i32.const 0) (i32.const 160))
        ;; W[16..80) = rotl(W[i-3] ^ W[i-8] ^ W[i-14] ^ W[i-16], 1)
        (local.set $i (i32.const 64))
        (loop $schedule
          (i32.store offset=288 (local.get $i)
            (i32.rotl
              (i32.xor
                (i32.xor (i32.load offset=276 (local.get $i)) (i32.load offset=256 (local.get $i)))
                (i32.xor (i32.load offset=232 (local.get $i)) (i32.load offset=224 (local.get $i))))
              (i32.const 1)))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br_if $schedule (i32.lt_u (local.get $i) (i32.const 320))))
        (local.set $a (i32.const 0x67452301))
        (local.set $b (i32.const 0xefcdab89))
        (local.set $c (i32.const 0x98badcfe))
        (local.set $d (i32.const 0x10325476))
        (local.set $e (i32.const 0xc3d2e1f0))
        (local.set $i (i32.const 0))
        (loop $rounds0to19
          (local.set $t (i32.add
            (i32.add (i32.rotl (local.get $a) (i32.const 5))
              (i32.xor (local.get $d) (i32.and (local.get $b) (i32.xor (local.get $c) (local.get $d)))))
            (i32.add (i32.add (local.get $e) (i32.const 0x5a827999)) (i32.load offset=288 (local.get $i)))))
          (local.set $e (local.get $d))
          (local.set $d (local.get $c))
          (local.set $c (i32.rotl (local.get $b) (i32.const 30)))
          (local.set $b (local.get $a))
          (local.set $a (local.get $t))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br_if $rounds0to19 (i32.lt_u (local.get $i) (i32.const 80))))
        (loop $rounds20to39
          (local.set $t (i32.add
            (i32.add (i32.rotl (local.get $a) (i32.const 5))
              (i32.xor (i32.xor (local.get $b) (local.get $c)) (local.get $d)))
            (i32.add (i32.add (local.get $e) (i32.const 0x6ed9eba1)) (i32.load offset=288 (local.get $i)))))
          (local.set $e (local.get $d))
          (local.set $d (local.get $c))
          (local.set $c (i32.rotl (local.get $b) (i32.const 30)))
          (local.set $b (local.get $a))
          (local.set $a (local.get $t))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br_if $rounds20to39 (i32.lt_u (local.get $i) (i32.const 160))))
        (loop $rounds40to59
          (local.set $t (i32.add
            (i32.add (i32.rotl (local.get $a) (i32.const 5))
              (i32.or (i32.and (local.get $b) (local.get $c))
                (i32.and (local.get $d) (i32.or (local.get $b) (local.get $c)))))
            (i32.add (i32.add (local.get $e) (i32.const 0x8f1bbcdc)) (i32.load offset=288 (local.get $i)))))
          (local.set $e (local.get $d))
          (local.set $d (local.get $c))
          (local.set $c (i32.rotl (local.get $b) (i32.const 30)))
          (local.set $b (local.get $a))
          (local.set $a (local.get $t))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br_if $rounds40to59 (i32.lt_u (local.get $i) (i32.const 240))))
        (loop $rounds60to79
          (local.set $t (i32.add
            (i32.add (i32.rotl (local.get $a) (i32.const 5))
              (i32.xor (i32.xor (local.get $b) (local.get $c)) (local.get $d)))
            (i32.add (i32.add (local.get $e) (i32.const 0xca62c1d6)) (i32.load offset=288 (local.get $i)))))
          (local.set $e (local.get $d))
          (local.set $d (local.get $c))
          (local.set $c (i32.rotl (local.get $b) (i32.const 30)))
          (local.set $b (local.get $a))
          (local.set $a (local.get $t))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br_if $rounds60to79 (i32.lt_u (local.get $i) (i32.const 320))))
        (i32.store offset=256 (i32.const 0) (i32.add (local.get $a) (i32.const 0x67452301)))
        (i32.store offset=260 (i32.const 0) (i32.add (local.get $b) (i32.const 0xefcdab89)))
        (i32.store offset=264 (i32.const 0) (i32.add (local.get $c) (i32.const 0x98badcfe)))
        (i32.store offset=268 (i32.const 0) (i32.add (local.get $d) (i32.const 0x10325476)))
        (i32.store offset=272 (i32.const 0) (i32.add (local.get $e) (i32.const 0xc3d2e1f0)))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br $iteration))))
)
