"""What the tests and the benchmarks share: the outside world on loopback (fake Twilio,
Telegram and SMTP servers speaking their real protocols), a clock tests move by hand, a
throwaway PostgreSQL server, generated data, and settings pointed at all of it."""
