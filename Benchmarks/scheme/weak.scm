; Weak references as a runtime uses them: a memo table keyed weakly by
; objects (ephemerons), a log of the keys that died (a guardian), an intern
; table of weak boxes, and a chain of ephemerons. (gc) runs a major
; collection; a cleared field reads as #f.

(define (make-key i) (string-append "key-" (number->string i)))

;; How many of `cells` still hold something, read through `read`.
(define (count-live cells read)
  (let loop ((p cells) (n 0))
    (cond ((null? p) n)
          ((read (car p)) (loop (cdr p) (+ n 1)))
          (else (loop (cdr p) n)))))

;; The memo table: ephemerons from a key to (key . square). Each value
;; refers to its own key, which must not keep the key alive.
(define memo '())
(define (memo-put! k v) (set! memo (cons (make-ephemeron k v) memo)))
(define (memo-get k)
  (let loop ((p memo))
    (cond ((null? p) #f)
          ((eq? (ephemeron-key (car p)) k) (ephemeron-value (car p)))
          (else (loop (cdr p))))))
(define (memo-size) (count-live memo ephemeron-key))
;; Drops the broken entries, as a weak table's owner would.
(define (memo-prune!)
  (let loop ((p memo) (kept '()))
    (cond ((null? p) (set! memo kept))
          ((ephemeron-key (car p)) (loop (cdr p) (cons (car p) kept)))
          (else (loop (cdr p) kept)))))

;; Every key is registered with a guardian, so its death is logged.
(define dead-keys (make-guardian))
(define held (make-vector 10 #f))
(do ((i 0 (+ i 1))) ((= i 10))
  (let ((k (make-key i)))
    (vector-set! held i k)
    (dead-keys k)
    (memo-put! k (cons k (* i i)))))

(display "entries: ") (display (memo-size)) (newline)
(display "memo of key-3: ") (write (memo-get (vector-ref held 3))) (newline)
(gc)
(display "after gc, every key held: ") (display (memo-size)) (newline)
(do ((i 1 (+ i 2))) ((> i 9)) (vector-set! held i #f))
(gc)
;; The guardian keeps the odd keys alive until they are popped, and with
;; them their entries.
(display "after gc, odd keys guarded: ") (display (memo-size)) (newline)
(define (log-dead)
  (let ((k (dead-keys)))
    (when k
      (display "dead: ") (display k) (newline)
      (log-dead))))
(log-dead)
(display "nothing more ready: ") (display (dead-keys)) (newline)
(gc)
(display "after gc, popped keys gone: ") (display (memo-size)) (newline)
(memo-prune!)
(display "table after pruning: ") (display (length memo)) (newline)
(display "memo of key-4: ") (write (memo-get (vector-ref held 4))) (newline)

;; An intern table of weak boxes: a name stays interned while someone
;; holds it.
(define interned '())
(define (intern name)
  (let loop ((p interned))
    (cond ((null? p)
           (let ((s (string-append name "")))
             (set! interned (cons (make-weak-box s) interned))
             s))
          ((and (weak-box-value (car p)) (string=? (weak-box-value (car p)) name))
           (weak-box-value (car p)))
          (else (loop (cdr p))))))
(define alpha (intern "alpha"))
(define beta (intern "beta"))
(intern "gamma")
(display "alpha interned once: ") (display (eq? alpha (intern "alpha"))) (newline)
(gc)
(display "interned names after gc: ") (display (count-live interned weak-box-value)) (newline)
(set! beta #f)
(gc)
(display "after letting beta go: ") (write (map weak-box-value interned)) (newline)

;; A chain of ephemerons: each value is the next link's key. Holding the
;; first key keeps the whole chain; letting it go breaks every link.
(define head (make-key 100))
(define chain
  (let loop ((i 1) (key head) (links '()))
    (if (> i 5)
        links
        (let ((next (make-key (+ 100 i))))
          (loop (+ i 1) next (cons (make-ephemeron key next) links))))))
(gc)
(display "chain links held: ") (display (count-live chain ephemeron-key)) (newline)
(set! head #f)
(gc)
(display "chain links after letting go: ") (display (count-live chain ephemeron-key)) (newline)
