ALTER TABLE `dpone-test.landing.orders` ADD COLUMN IF NOT EXISTS `_dpone_valid_from` TIMESTAMP, ADD COLUMN IF NOT EXISTS `_dpone_valid_to` TIMESTAMP, ADD COLUMN IF NOT EXISTS `_dpone_is_current` BOOL
