// Opens an outreach journal (SQLite), so linking it proves the installed
// getxapi-outreach.pc brings -lsqlite3 for a static install.
#include <getxapi/outreach.hpp>

#include <iostream>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: outreach_consumer JOURNAL\n";
    return 2;
  }
  auto journal = getxapi::outreach::Journal::open(argv[1]);
  if (!journal) {
    std::cerr << "journal: " << journal.error() << "\n";
    return 1;
  }
  auto version = journal->schema_version();
  auto campaigns = journal->campaigns();
  if (!version || !campaigns) {
    std::cerr << "journal: " << (version ? campaigns.error() : version.error()) << "\n";
    return 1;
  }
  std::cout << "journal schema " << *version << " campaigns " << campaigns->size() << "\n";
  return 0;
}
