;; The per-line core of `thaw fold` (PerfScriptFolder, folder.ts), by hand in WebAssembly text.
;;
;; A 20 MB capture has ~250,000 frame lines and ~6,000 samples; folding them in JavaScript runs
;; mostly in V8's interpreter and baseline tiers (a fold is over before the optimised code
;; arrives), boxes every 32-bit hash step as a heap number there, and keeps the optimising
;; compiler busy in the background. WebAssembly is compiled at once by V8's baseline compiler
;; (Liftoff) into machine code that allocates nothing, so the hot loop runs at machine speed from
;; its first line. JavaScript still decides what every *distinct* line means (the rules of
;; stackcollapse-perf.pl, text.ts and frame.ts); this core only recognises the lines it has been
;; told about and counts the samples.
;;
;; What lives here, in one linear memory, each region from a bump allocator (a region that has
;; to grow is copied to a new one twice its size; the old one is not reused):
;; - the input: the bytes of the current chunk (input(), written by the caller);
;; - the line table: frame line bytes (+ a tag: Java tidy-up on or off) -> a value (the group id
;;   the caller decided, -1 for no frames, -2 for "needs the caller every time"), with, per
;;   entry, the line that followed it last time, which is compared first: stacks repeat;
;; - the current sample: the group ids of its frame lines, leaf first (seq);
;; - the sample table: (head id, ids...) -> summed weight (f64) and number of samples.
;;
;; scan() walks complete lines from pos and returns to the caller at the first line it cannot
;; settle alone: 0 end of input, 1 blank line, 2 event line or comment (any line not starting
;; with white space), 3 a line cut by the end of the input, 4 a frame line not seen before (the
;; caller decides it, then insert()s its value), 5 a frame line whose value is -2. It leaves
;; three i32 in memory at 0 for the caller to read through a typed array (cheaper than an
;; exported global or a call): where that line starts, its newline (2, 4 and 5), and how many
;; frame lines scan() has settled itself in all.
(module
  (memory (export "memory") 1)

  ;; Bytes 0-11 hold scan()'s answer (see above); the allocator starts after them.
  (global $top (mut i32) (i32.const 16))
  (global $eol (mut i32) (i32.const 0))
  (global $lines (mut i32) (i32.const 0))

  (global $in (mut i32) (i32.const 0))
  (global $inCap (mut i32) (i32.const 0))

  (global $seq (mut i32) (i32.const 0))
  (global $seqCap (mut i32) (i32.const 0))
  (global $seqLen (export "seqLen") (mut i32) (i32.const 0))

  ;; Line table entries, 24 bytes: hash, arena offset, length, tag, value, follower (+1; 0 none).
  (global $ltSlots (mut i32) (i32.const 0))
  (global $ltMask (mut i32) (i32.const 0))
  (global $ltEnt (mut i32) (i32.const 0))
  (global $ltCap (mut i32) (i32.const 0))
  (global $ltCount (mut i32) (i32.const 0))
  (global $ltArena (mut i32) (i32.const 0))
  (global $ltArenaCap (mut i32) (i32.const 0))
  (global $ltUsed (mut i32) (i32.const 0))
  (global $ltLast (mut i32) (i32.const -1))
  (global $ltFirst (mut i32) (i32.const 0))
  (global $missSlot (mut i32) (i32.const 0))
  (global $missHash (mut i32) (i32.const 0))

  ;; Sample table entries, 32 bytes: hash, arena offset (bytes), length (ids), -, weight f64,
  ;; samples f64.
  (global $stSlots (mut i32) (i32.const 0))
  (global $stMask (mut i32) (i32.const 0))
  (global $stEnt (mut i32) (i32.const 0))
  (global $stCap (mut i32) (i32.const 0))
  (global $stCount (export "samples") (mut i32) (i32.const 0))
  (global $stArena (mut i32) (i32.const 0))
  (global $stArenaCap (mut i32) (i32.const 0))
  (global $stUsed (mut i32) (i32.const 0))

  ;; n bytes, 8-aligned, zero-filled (memory past $top has never been written).
  (func $alloc (param $n i32) (result i32)
    (local $p i32) (local $need i32) (local $have i32)
    (local.set $p (i32.and (i32.add (global.get $top) (i32.const 7)) (i32.const -8)))
    (local.set $need (i32.add (local.get $p) (local.get $n)))
    (if (i32.lt_u (local.get $need) (local.get $p)) (then unreachable))
    (local.set $have (i32.shl (memory.size) (i32.const 16)))
    (if (i32.gt_u (local.get $need) (local.get $have))
      (then
        (if (i32.lt_s
              (memory.grow (i32.shr_u (i32.add (i32.sub (local.get $need) (local.get $have)) (i32.const 65535)) (i32.const 16)))
              (i32.const 0))
          (then unreachable))))
    (global.set $top (local.get $need))
    (local.get $p))

  (func $init
    (global.set $seqCap (i32.const 256))
    (global.set $seq (call $alloc (i32.const 1024)))
    (global.set $ltMask (i32.const 16383))
    (global.set $ltSlots (call $alloc (i32.const 65536)))
    (global.set $ltCap (i32.const 1024))
    (global.set $ltEnt (call $alloc (i32.const 24576)))
    (global.set $ltArenaCap (i32.const 65536))
    (global.set $ltArena (call $alloc (i32.const 65536)))
    (global.set $stMask (i32.const 4095))
    (global.set $stSlots (call $alloc (i32.const 16384)))
    (global.set $stCap (i32.const 256))
    (global.set $stEnt (call $alloc (i32.const 8192)))
    (global.set $stArenaCap (i32.const 65536))
    (global.set $stArena (call $alloc (i32.const 65536))))
  (start $init)

  ;; Where the caller writes at least cap bytes of input.
  (func (export "input") (param $cap i32) (result i32)
    (if (i32.gt_u (local.get $cap) (global.get $inCap))
      (then
        (global.set $in (call $alloc (local.get $cap)))
        (global.set $inCap (local.get $cap))))
    (global.get $in))

  ;; Bytes [a, a+n) equal bytes [b, b+n).
  (func $same (param $a i32) (param $b i32) (param $n i32) (result i32)
    (local $k i32)
    (block $words
      (loop $word
        (br_if $words (i32.gt_u (i32.add (local.get $k) (i32.const 8)) (local.get $n)))
        (if (i64.ne (i64.load (i32.add (local.get $a) (local.get $k))) (i64.load (i32.add (local.get $b) (local.get $k))))
          (then (return (i32.const 0))))
        (local.set $k (i32.add (local.get $k) (i32.const 8)))
        (br $word)))
    (block $bytes
      (loop $byte
        (br_if $bytes (i32.ge_u (local.get $k) (local.get $n)))
        (if (i32.ne (i32.load8_u (i32.add (local.get $a) (local.get $k))) (i32.load8_u (i32.add (local.get $b) (local.get $k))))
          (then (return (i32.const 0))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $byte)))
    (i32.const 1))

  ;; Appends a group id to the current sample (-1, a line of no frames, adds nothing).
  (func $seqPush (export "seqPush") (param $g i32)
    (local $p i32)
    (if (i32.eq (local.get $g) (i32.const -1)) (then (return)))
    (if (i32.eq (global.get $seqLen) (global.get $seqCap))
      (then
        (local.set $p (call $alloc (i32.shl (global.get $seqCap) (i32.const 3))))
        (memory.copy (local.get $p) (global.get $seq) (i32.shl (global.get $seqLen) (i32.const 2)))
        (global.set $seq (local.get $p))
        (global.set $seqCap (i32.shl (global.get $seqCap) (i32.const 1)))))
    (i32.store (i32.add (global.get $seq) (i32.shl (global.get $seqLen) (i32.const 2))) (local.get $g))
    (global.set $seqLen (i32.add (global.get $seqLen) (i32.const 1))))

  ;; The end of a sample (a blank line): the next frame line follows no line of this one. A kept
  ;; sample (collect) is counted with weight w and its entry returned, and seq emptied; else -1
  ;; and seq is left as it is (stackcollapse-perf.pl's `next if not $pname` keeps @stack).
  (func (export "sampleEnd") (param $collect i32) (param $head i32) (param $w f64) (result i32)
    (local $e i32)
    (global.set $ltLast (i32.const -1))
    (if (i32.eqz (local.get $collect)) (then (return (i32.const -1))))
    (local.set $e (call $sampleAdd (local.get $head) (local.get $w)))
    (global.set $seqLen (i32.const 0))
    (local.get $e))

  (func $follow (param $e i32)
    (if (i32.lt_s (global.get $ltLast) (i32.const 0))
      (then (global.set $ltFirst (i32.add (local.get $e) (i32.const 1))))
      (else (i32.store offset=20 (i32.add (global.get $ltEnt) (i32.mul (global.get $ltLast) (i32.const 24))) (i32.add (local.get $e) (i32.const 1)))))
    (global.set $ltLast (local.get $e)))

  ;; The value stored for the line at [start, newline), -1001 (not seen: insert() it), or -1000
  ;; (no newline before end). Sets $eol.
  (func $find (param $start i32) (param $end i32) (param $tag i32) (result i32)
    (local $guess i32) (local $ent i32) (local $klen i32) (local $e i32) (local $i i32)
    (local $w i64) (local $x i64) (local $h64 i64) (local $c i32) (local $h i32) (local $slot i32)
    ;; The line that followed the last one last time.
    (local.set $guess
      (i32.sub
        (if (result i32) (i32.lt_s (global.get $ltLast) (i32.const 0))
          (then (global.get $ltFirst))
          (else (i32.load offset=20 (i32.add (global.get $ltEnt) (i32.mul (global.get $ltLast) (i32.const 24))))))
        (i32.const 1)))
    (if (i32.ge_s (local.get $guess) (i32.const 0))
      (then
        (local.set $ent (i32.add (global.get $ltEnt) (i32.mul (local.get $guess) (i32.const 24))))
        (if (i32.eq (i32.load offset=12 (local.get $ent)) (local.get $tag))
          (then
            (local.set $klen (i32.load offset=8 (local.get $ent)))
            (local.set $e (i32.add (local.get $start) (local.get $klen)))
            (if (i32.lt_u (local.get $e) (local.get $end))
              (then
                (if (i32.eq (i32.load8_u (local.get $e)) (i32.const 10))
                  (then
                    (if (call $same (local.get $start) (i32.add (global.get $ltArena) (i32.load offset=4 (local.get $ent))) (local.get $klen))
                      (then
                        (global.set $eol (local.get $e))
                        (global.set $ltLast (local.get $guess))
                        (return (i32.load offset=16 (local.get $ent)))))))))))))
    ;; Hash up to the newline: eight bytes at a time while no byte of the word is a newline
    ;; (the has-zero-byte test on word ^ 0x0a0a...), then byte by byte.
    (local.set $h64 (i64.xor (i64.const 0xcbf29ce484222325) (i64.extend_i32_u (local.get $tag))))
    (local.set $i (local.get $start))
    (block $words
      (loop $word
        (br_if $words (i32.gt_u (i32.add (local.get $i) (i32.const 8)) (local.get $end)))
        (local.set $w (i64.load (local.get $i)))
        (local.set $x (i64.xor (local.get $w) (i64.const 0x0a0a0a0a0a0a0a0a)))
        (br_if $words
          (i64.ne
            (i64.and (i64.and (i64.sub (local.get $x) (i64.const 0x0101010101010101)) (i64.xor (local.get $x) (i64.const -1)))
              (i64.const 0x8080808080808080))
            (i64.const 0)))
        (local.set $h64 (i64.mul (i64.xor (local.get $h64) (local.get $w)) (i64.const 0x100000001b3)))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $word)))
    (block $nl
      (loop $byte
        (if (i32.ge_u (local.get $i) (local.get $end)) (then (return (i32.const -1000))))
        (local.set $c (i32.load8_u (local.get $i)))
        (br_if $nl (i32.eq (local.get $c) (i32.const 10)))
        (local.set $h64 (i64.mul (i64.xor (local.get $h64) (i64.extend_i32_u (local.get $c))) (i64.const 0x100000001b3)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $byte)))
    (global.set $eol (local.get $i))
    (local.set $h (i32.wrap_i64 (i64.xor (local.get $h64) (i64.shr_u (local.get $h64) (i64.const 32)))))
    (local.set $klen (i32.sub (local.get $i) (local.get $start)))
    (local.set $slot (i32.and (local.get $h) (global.get $ltMask)))
    (block $empty
      (loop $probe
        (local.set $e (i32.sub (i32.load (i32.add (global.get $ltSlots) (i32.shl (local.get $slot) (i32.const 2)))) (i32.const 1)))
        (br_if $empty (i32.lt_s (local.get $e) (i32.const 0)))
        (local.set $ent (i32.add (global.get $ltEnt) (i32.mul (local.get $e) (i32.const 24))))
        (if (i32.eq (i32.load (local.get $ent)) (local.get $h))
          (then
            (if (i32.eq (i32.load offset=8 (local.get $ent)) (local.get $klen))
              (then
                (if (i32.eq (i32.load offset=12 (local.get $ent)) (local.get $tag))
                  (then
                    (if (call $same (local.get $start) (i32.add (global.get $ltArena) (i32.load offset=4 (local.get $ent))) (local.get $klen))
                      (then
                        (call $follow (local.get $e))
                        (return (i32.load offset=16 (local.get $ent)))))))))))
        (local.set $slot (i32.and (i32.add (local.get $slot) (i32.const 1)) (global.get $ltMask)))
        (br $probe)))
    (global.set $missSlot (local.get $slot))
    (global.set $missHash (local.get $h))
    (i32.const -1001))

  ;; Stores the value of the line the last find() missed ([start, eol)).
  (func (export "insert") (param $start i32) (param $eol i32) (param $tag i32) (param $value i32)
    (local $klen i32) (local $e i32) (local $p i32) (local $cap i32) (local $ent i32) (local $slots i32) (local $mask i32) (local $s i32) (local $k i32)
    (local.set $klen (i32.sub (local.get $eol) (local.get $start)))
    (local.set $e (global.get $ltCount))
    (global.set $ltCount (i32.add (local.get $e) (i32.const 1)))
    (if (i32.ge_u (local.get $e) (global.get $ltCap))
      (then
        (local.set $p (call $alloc (i32.mul (global.get $ltCap) (i32.const 48))))
        (memory.copy (local.get $p) (global.get $ltEnt) (i32.mul (global.get $ltCap) (i32.const 24)))
        (global.set $ltEnt (local.get $p))
        (global.set $ltCap (i32.shl (global.get $ltCap) (i32.const 1)))))
    (if (i32.gt_u (i32.add (global.get $ltUsed) (local.get $klen)) (global.get $ltArenaCap))
      (then
        (local.set $cap (i32.shl (global.get $ltArenaCap) (i32.const 1)))
        (block $big
          (loop $double
            (br_if $big (i32.le_u (i32.add (global.get $ltUsed) (local.get $klen)) (local.get $cap)))
            (local.set $cap (i32.shl (local.get $cap) (i32.const 1)))
            (br $double)))
        (local.set $p (call $alloc (local.get $cap)))
        (memory.copy (local.get $p) (global.get $ltArena) (global.get $ltUsed))
        (global.set $ltArena (local.get $p))
        (global.set $ltArenaCap (local.get $cap))))
    (memory.copy (i32.add (global.get $ltArena) (global.get $ltUsed)) (local.get $start) (local.get $klen))
    (local.set $ent (i32.add (global.get $ltEnt) (i32.mul (local.get $e) (i32.const 24))))
    (i32.store (local.get $ent) (global.get $missHash))
    (i32.store offset=4 (local.get $ent) (global.get $ltUsed))
    (i32.store offset=8 (local.get $ent) (local.get $klen))
    (i32.store offset=12 (local.get $ent) (local.get $tag))
    (i32.store offset=16 (local.get $ent) (local.get $value))
    (i32.store offset=20 (local.get $ent) (i32.const 0))
    (global.set $ltUsed (i32.add (global.get $ltUsed) (local.get $klen)))
    (i32.store (i32.add (global.get $ltSlots) (i32.shl (global.get $missSlot) (i32.const 2))) (i32.add (local.get $e) (i32.const 1)))
    ;; Past half full: twice the slots, every entry placed again.
    (if (i32.gt_u (i32.shl (global.get $ltCount) (i32.const 1)) (i32.add (global.get $ltMask) (i32.const 1)))
      (then
        (local.set $mask (i32.add (i32.shl (global.get $ltMask) (i32.const 1)) (i32.const 1)))
        (local.set $slots (call $alloc (i32.shl (i32.add (local.get $mask) (i32.const 1)) (i32.const 2))))
        (local.set $k (i32.const 0))
        (block $done
          (loop $each
            (br_if $done (i32.ge_u (local.get $k) (global.get $ltCount)))
            (local.set $s (i32.and (i32.load (i32.add (global.get $ltEnt) (i32.mul (local.get $k) (i32.const 24)))) (local.get $mask)))
            (block $free
              (loop $probe
                (br_if $free (i32.eqz (i32.load (i32.add (local.get $slots) (i32.shl (local.get $s) (i32.const 2))))))
                (local.set $s (i32.and (i32.add (local.get $s) (i32.const 1)) (local.get $mask)))
                (br $probe)))
            (i32.store (i32.add (local.get $slots) (i32.shl (local.get $s) (i32.const 2))) (i32.add (local.get $k) (i32.const 1)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $each)))
        (global.set $ltSlots (local.get $slots))
        (global.set $ltMask (local.get $mask))))
    (call $follow (local.get $e)))

  ;; scan()'s answer: the line at p, stopped for `status`.
  (func $stop (param $p i32) (param $status i32) (result i32)
    (i32.store (i32.const 0) (local.get $p))
    (i32.store (i32.const 4) (global.get $eol))
    (i32.store (i32.const 8) (global.get $lines))
    (local.get $status))

  ;; Walks the lines in [pos, end): see the top of this file. tag: Java tidy-up (0/1) for the
  ;; line table; collect: the current sample is kept (its frames are added to seq).
  (func (export "scan") (param $p i32) (param $end i32) (param $tag i32) (param $collect i32) (result i32)
    (local $c i32) (local $g i32)
    (loop $next
      (if (i32.ge_u (local.get $p) (local.get $end))
        (then (return (call $stop (local.get $p) (i32.const 0)))))
      (local.set $c (i32.load8_u (local.get $p)))
      (if (i32.eq (local.get $c) (i32.const 10))
        (then (return (call $stop (local.get $p) (i32.const 1)))))
      ;; Perl's \s: space, \t \n \v \f \r.
      (if (i32.and (i32.ne (local.get $c) (i32.const 32)) (i32.gt_u (i32.sub (local.get $c) (i32.const 9)) (i32.const 4)))
        (then
          (global.set $eol (call $lineEnd (local.get $p) (local.get $end)))
          (if (i32.lt_s (global.get $eol) (i32.const 0))
            (then (return (call $stop (local.get $p) (i32.const 3)))))
          (return (call $stop (local.get $p) (i32.const 2)))))
      (local.set $g (call $find (local.get $p) (local.get $end) (local.get $tag)))
      (if (i32.eq (local.get $g) (i32.const -1000))
        (then (return (call $stop (local.get $p) (i32.const 3)))))
      (if (i32.eq (local.get $g) (i32.const -1001))
        (then (return (call $stop (local.get $p) (i32.const 4)))))
      (if (i32.eq (local.get $g) (i32.const -2))
        (then (return (call $stop (local.get $p) (i32.const 5)))))
      (global.set $lines (i32.add (global.get $lines) (i32.const 1)))
      (if (local.get $collect) (then (call $seqPush (local.get $g))))
      (local.set $p (i32.add (global.get $eol) (i32.const 1)))
      (br $next))
    (unreachable))

  ;; The offset of the first newline in [p, end), or -1.
  (func $lineEnd (param $p i32) (param $end i32) (result i32)
    (block $none
      (loop $byte
        (br_if $none (i32.ge_u (local.get $p) (local.get $end)))
        (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 10)) (then (return (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $byte)))
    (i32.const -1))

  ;; Counts the current sample (head, then seq) with weight w; returns its entry, the same for
  ;; every sample of the same sequence.
  (func $sampleAdd (param $head i32) (param $w f64) (result i32)
    (local $n i32) (local $h i32) (local $i i32) (local $slot i32) (local $e i32) (local $ent i32) (local $off i32)
    (local $p i32) (local $cap i32) (local $bytes i32) (local $slots i32) (local $mask i32) (local $s i32) (local $k i32)
    (local.set $n (global.get $seqLen))
    (local.set $h (i32.mul (i32.xor (i32.const 0x811c9dc5) (local.get $head)) (i32.const 16777619)))
    (block $hashed
      (loop $each
        (br_if $hashed (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $h (i32.mul (i32.xor (local.get $h) (i32.load (i32.add (global.get $seq) (i32.shl (local.get $i) (i32.const 2))))) (i32.const 16777619)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $each)))
    (local.set $slot (i32.and (local.get $h) (global.get $stMask)))
    (block $empty
      (loop $probe
        (local.set $e (i32.sub (i32.load (i32.add (global.get $stSlots) (i32.shl (local.get $slot) (i32.const 2)))) (i32.const 1)))
        (br_if $empty (i32.lt_s (local.get $e) (i32.const 0)))
        (local.set $ent (i32.add (global.get $stEnt) (i32.shl (local.get $e) (i32.const 5))))
        (if (i32.eq (i32.load (local.get $ent)) (local.get $h))
          (then
            (if (i32.eq (i32.load offset=8 (local.get $ent)) (i32.add (local.get $n) (i32.const 1)))
              (then
                (local.set $off (i32.add (global.get $stArena) (i32.load offset=4 (local.get $ent))))
                (if (i32.eq (i32.load (local.get $off)) (local.get $head))
                  (then
                    (if (call $same (i32.add (local.get $off) (i32.const 4)) (global.get $seq) (i32.shl (local.get $n) (i32.const 2)))
                      (then
                        (f64.store offset=16 (local.get $ent) (f64.add (f64.load offset=16 (local.get $ent)) (local.get $w)))
                        (f64.store offset=24 (local.get $ent) (f64.add (f64.load offset=24 (local.get $ent)) (f64.const 1)))
                        (return (local.get $e))))))))))
        (local.set $slot (i32.and (i32.add (local.get $slot) (i32.const 1)) (global.get $stMask)))
        (br $probe)))
    (local.set $e (global.get $stCount))
    (global.set $stCount (i32.add (local.get $e) (i32.const 1)))
    (if (i32.ge_u (local.get $e) (global.get $stCap))
      (then
        (local.set $p (call $alloc (i32.shl (global.get $stCap) (i32.const 6))))
        (memory.copy (local.get $p) (global.get $stEnt) (i32.shl (global.get $stCap) (i32.const 5)))
        (global.set $stEnt (local.get $p))
        (global.set $stCap (i32.shl (global.get $stCap) (i32.const 1)))))
    (local.set $bytes (i32.shl (i32.add (local.get $n) (i32.const 1)) (i32.const 2)))
    (if (i32.gt_u (i32.add (global.get $stUsed) (local.get $bytes)) (global.get $stArenaCap))
      (then
        (local.set $cap (i32.shl (global.get $stArenaCap) (i32.const 1)))
        (block $big
          (loop $double
            (br_if $big (i32.le_u (i32.add (global.get $stUsed) (local.get $bytes)) (local.get $cap)))
            (local.set $cap (i32.shl (local.get $cap) (i32.const 1)))
            (br $double)))
        (local.set $p (call $alloc (local.get $cap)))
        (memory.copy (local.get $p) (global.get $stArena) (global.get $stUsed))
        (global.set $stArena (local.get $p))
        (global.set $stArenaCap (local.get $cap))))
    (local.set $off (i32.add (global.get $stArena) (global.get $stUsed)))
    (i32.store (local.get $off) (local.get $head))
    (memory.copy (i32.add (local.get $off) (i32.const 4)) (global.get $seq) (i32.shl (local.get $n) (i32.const 2)))
    (local.set $ent (i32.add (global.get $stEnt) (i32.shl (local.get $e) (i32.const 5))))
    (i32.store (local.get $ent) (local.get $h))
    (i32.store offset=4 (local.get $ent) (global.get $stUsed))
    (i32.store offset=8 (local.get $ent) (i32.add (local.get $n) (i32.const 1)))
    (f64.store offset=16 (local.get $ent) (local.get $w))
    (f64.store offset=24 (local.get $ent) (f64.const 1))
    (global.set $stUsed (i32.add (global.get $stUsed) (local.get $bytes)))
    (i32.store (i32.add (global.get $stSlots) (i32.shl (local.get $slot) (i32.const 2))) (i32.add (local.get $e) (i32.const 1)))
    (if (i32.gt_u (i32.shl (global.get $stCount) (i32.const 1)) (i32.add (global.get $stMask) (i32.const 1)))
      (then
        (local.set $mask (i32.add (i32.shl (global.get $stMask) (i32.const 1)) (i32.const 1)))
        (local.set $slots (call $alloc (i32.shl (i32.add (local.get $mask) (i32.const 1)) (i32.const 2))))
        (local.set $k (i32.const 0))
        (block $done
          (loop $each2
            (br_if $done (i32.ge_u (local.get $k) (global.get $stCount)))
            (local.set $s (i32.and (i32.load (i32.add (global.get $stEnt) (i32.shl (local.get $k) (i32.const 5)))) (local.get $mask)))
            (block $free
              (loop $probe2
                (br_if $free (i32.eqz (i32.load (i32.add (local.get $slots) (i32.shl (local.get $s) (i32.const 2))))))
                (local.set $s (i32.and (i32.add (local.get $s) (i32.const 1)) (local.get $mask)))
                (br $probe2)))
            (i32.store (i32.add (local.get $slots) (i32.shl (local.get $s) (i32.const 2))) (i32.add (local.get $k) (i32.const 1)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $each2)))
        (global.set $stSlots (local.get $slots))
        (global.set $stMask (local.get $mask))))
    (local.get $e))

  ;; Entry e of the sample table: where its ids start (head first), how many, weight, samples.
  (func (export "sampleIds") (param $e i32) (result i32)
    (i32.add (global.get $stArena) (i32.load offset=4 (i32.add (global.get $stEnt) (i32.shl (local.get $e) (i32.const 5))))))
  (func (export "sampleLen") (param $e i32) (result i32)
    (i32.load offset=8 (i32.add (global.get $stEnt) (i32.shl (local.get $e) (i32.const 5)))))
  (func (export "sampleWeight") (param $e i32) (result f64)
    (f64.load offset=16 (i32.add (global.get $stEnt) (i32.shl (local.get $e) (i32.const 5)))))
  (func (export "sampleCount") (param $e i32) (result f64)
    (f64.load offset=24 (i32.add (global.get $stEnt) (i32.shl (local.get $e) (i32.const 5)))))
)
