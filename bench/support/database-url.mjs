/** The same PostgreSQL server URL, naming database `db`. */
export const withDb = (url, db) => {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
};
