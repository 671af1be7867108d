UPDATE organizations SET provider = "github" WHERE name = "spotguides";
UPDATE organizations SET provider = "github" WHERE provider = "user";