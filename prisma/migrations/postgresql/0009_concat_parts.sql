-- tus concatenation (issue #13): HEAD of a final upload carries `Upload-Concat: final;<urls>`,
-- so a final upload keeps its partial upload ids (32 characters each, at most 100) in order.
ALTER TABLE "upload_sessions" ADD COLUMN "concat_parts" TEXT;
