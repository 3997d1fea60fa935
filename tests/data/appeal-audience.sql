-- Subscribers for the check and preview tests (tests/e2e/21-*, 22-*),
-- seeded straight into the database.  Fictional people.
-- supporters: 15 reachable (en 3, fr 2, es 2, ar 2, ru 1, fa 2, pt-BR 2,
-- none 1), plus one unsubscribed (fr) and one suppressed (en).
-- partners: trusted, 2 reachable.  lapsed: only an unsubscribed member.
INSERT INTO lists (id, name, trusted, created) VALUES
  (1, 'supporters', 0, 1700000000),
  (2, 'partners', 1, 1700000000),
  (3, 'lapsed', 0, 1700000000);
INSERT INTO subscribers (id, email, email_key, email_display, name, language,
                         country, consent, status, attrs, created, updated)
VALUES
  (1, 'alice@example.org', 'alice@example.org', 'alice@example.org',
   'Alice Morgan', 'en', 'GB', 1, 'active', '{"city":"London"}', 1, 1),
  (2, 'evil@example.org', 'evil@example.org', 'evil@example.org',
   '*Ana* [x](javascript:alert(1)) <script>', 'en', 'GB', 1, 'active', '{}',
   1, 1),
  (3, 'tom@example.org', 'tom@example.org', 'tom@example.org', '', 'en', 'US',
   NULL, 'active', '{}', 1, 1),
  (4, 'claire@example.fr', 'claire@example.fr', 'claire@example.fr',
   'Claire Dubois', 'fr', 'FR', 1, 'active', '{}', 1, 1),
  (5, 'yann@example.fr', 'yann@example.fr', 'yann@example.fr', 'Yann Le Goff',
   'fr', 'FR', 1, 'active', '{}', 1, 1),
  (6, 'lucia@example.es', 'lucia@example.es', 'lucia@example.es',
   'Lucía Fernández', 'es', 'ES', 1, 'active', '{}', 1, 1),
  (7, 'mateo@example.es', 'mateo@example.es', 'mateo@example.es',
   'Mateo Ruiz', 'es', 'AR', 0, 'active', '{}', 1, 1),
  (8, 'karim@example.org', 'karim@example.org', 'karim@example.org',
   'كريم منصور', 'ar', 'EG', 1, 'active', '{}', 1, 1),
  (9, 'salma@example.org', 'salma@example.org', 'salma@example.org',
   'سلمى', 'ar-MA', 'MA', 1, 'active', '{}', 1, 1),
  (10, 'irina@example.org', 'irina@example.org', 'irina@example.org',
   'Ирина Петрова', 'ru', 'RU', 1, 'active', '{}', 1, 1),
  (11, 'dariush@example.org', 'dariush@example.org', 'dariush@example.org',
   'داریوش', 'fa', 'IR', 1, 'active', '{}', 1, 1),
  (12, 'shirin@example.org', 'shirin@example.org', 'shirin@example.org',
   'Shirin', 'fa', 'DE', 1, 'active', '{}', 1, 1),
  (13, 'joao@example.com.br', 'joao@example.com.br', 'joao@example.com.br',
   'João Silva', 'pt-BR', 'BR', 1, 'active', '{}', 1, 1),
  (14, 'ana@example.com.br', 'ana@example.com.br', 'ana@example.com.br',
   'Ana Souza', 'pt-BR', 'BR', 1, 'active', '{}', 1, 1),
  (15, 'nolang@example.org', 'nolang@example.org', 'nolang@example.org',
   'Sam', '', '', 1, 'active', '{}', 1, 1),
  (16, 'gone@example.fr', 'gone@example.fr', 'gone@example.fr', 'Parti',
   'fr', 'FR', 1, 'unsubscribed', '{}', 1, 1),
  (17, 'blocked@example.org', 'blocked@example.org', 'blocked@example.org',
   'Blocked', 'en', 'GB', 1, 'active', '{}', 1, 1),
  (18, 'p1@example.org', 'p1@example.org', 'p1@example.org', 'Partner One',
   'en', 'GB', 1, 'active', '{}', 1, 1),
  (19, 'p2@example.org', 'p2@example.org', 'p2@example.org', 'Partner Two',
   'fr', 'FR', 1, 'active', '{}', 1, 1);
INSERT INTO list_members (list_id, subscriber_id, added)
  SELECT 1, id, 1 FROM subscribers WHERE id <= 17;
INSERT INTO list_members (list_id, subscriber_id, added) VALUES
  (2, 18, 1), (2, 19, 1), (3, 16, 1);
INSERT INTO suppressions (hash, email_key, reason, created) VALUES
  ('0000000000000000000000000000000000000000000000000000000000000017',
   'blocked@example.org', 'manual', 1);
