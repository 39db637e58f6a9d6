package main

import (
	"log"
	"os"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

func main() {
	api := slack.New(
		"xoxb-742800111948-9235716403477-uWkBD1dTKWBUwHDVcRBGHy1u",
		slack.OptionDebug(os.Getenv("DEBUG") != ""),
		slack.OptionAppLevelToken("xapp-1-A6USEGKK52D-6977342304678-7a824a3bbadc2e62b41aaf41021c02e5db25a9f4f567fbb79639f0088df0f8c2"),
	)
	client := socketmode.New(api, socketmode.OptionLog(log.New(os.Stdout, "socketmode: ", log.Lshortfile)))

	go handleEvents(client)
	if err := client.Run(); err != nil {
		log.Fatal(err)
	}
}
