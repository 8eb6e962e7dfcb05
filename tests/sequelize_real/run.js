// Runs the `up` of each migration named on the command line, in order, with real Sequelize
// against the test cluster; writes the SQL it sends (its `logging`) as JSON lines to `out`.
'use strict';

const fs = require('fs');
const path = require('path');

const [, , modules, host, port, user, database, out, ...files] = process.argv;
const { Sequelize } = require(path.join(modules, 'sequelize'));

const sent = [];
const sequelize = new Sequelize(database, user, '', {
  host,
  port: Number(port),
  dialect: 'postgres',
  dialectModule: require(path.join(modules, 'pg')),
  logging: (sql) => sent.push(sql.replace(/^Executing \([^)]*\): /, '')),
});

(async () => {
  const queryInterface = sequelize.getQueryInterface();
  for (const file of files) {
    sent.push(`-- ${path.basename(file)}`);
    const migration = require(file);
    await (migration.default || migration).up(queryInterface, Sequelize);
  }
  await sequelize.close();
  fs.writeFileSync(out, JSON.stringify(sent));
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
